/* Image series on disk: the files of a folder or of a glob pattern (such as
 * slices/slice_*.tif), in natural order, so that slice_2 comes before
 * slice_10 as a user numbering slices expects (and as Fiji's File > Import >
 * Image Sequence sorts them). Shared by the TIFF and DICOM series readers. */
#define _POSIX_C_SOURCE 200809L

#include "io/io_internal.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int tb_io_is_dir(const char *path) {
  struct stat sb;
  return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

int tb_io_is_glob(const char *path) {
  struct stat sb;
  if (stat(path, &sb) == 0) return 0; /* an existing name is itself, whatever it holds */
  return strpbrk(path, "*?[") != NULL;
}

int tb_io_natural_cmp(const char *a, const char *b) {
  const char *pa = a, *pb = b;
  while (*pa && *pb) {
    if (isdigit((unsigned char)*pa) && isdigit((unsigned char)*pb)) {
      while (*pa == '0') pa++;
      while (*pb == '0') pb++;
      const char *ea = pa, *eb = pb;
      while (isdigit((unsigned char)*ea)) ea++;
      while (isdigit((unsigned char)*eb)) eb++;
      if (ea - pa != eb - pb) return ea - pa < eb - pb ? -1 : 1;
      int c = strncmp(pa, pb, (size_t)(ea - pa));
      if (c) return c;
      pa = ea, pb = eb;
    } else {
      if (*pa != *pb) return (unsigned char)*pa < (unsigned char)*pb ? -1 : 1;
      pa++, pb++;
    }
  }
  if (*pa || *pb) return *pa ? 1 : -1;
  return strcmp(a, b); /* "01" and "1": a fixed order all the same */
}

static int cmp_paths(const void *x, const void *y) {
  const char *a = *(const char *const *)x, *b = *(const char *const *)y;
  const char *sa = strrchr(a, '/'), *sb = strrchr(b, '/');
  return tb_io_natural_cmp(sa ? sa + 1 : a, sb ? sb + 1 : b);
}

void tb_io_free_list(char ***paths, size_t n) {
  if (!paths || !*paths) return;
  for (size_t i = 0; i < n; i++) free((*paths)[i]);
  free(*paths);
  *paths = NULL;
}

static tb_status push(char ***list, size_t *n, size_t *cap, const char *a, const char *b) {
  tb_status st = TB_OK;
  if (*n == *cap) {
    size_t nc = *cap ? *cap * 2 : 64;
    char **nl = realloc(*list, nc * sizeof *nl);
    CHECK(nl, TB_ERR_NOMEM, "out of memory listing %zu files", *n);
    *list = nl;
    *cap = nc;
  }
  size_t la = strlen(a), lb = b ? strlen(b) : 0;
  char *p = malloc(la + lb + 2);
  CHECK(p, TB_ERR_NOMEM, "out of memory listing files");
  memcpy(p, a, la);
  if (b) {
    p[la] = '/';
    memcpy(p + la + 1, b, lb + 1);
  } else {
    p[la] = '\0';
  }
  (*list)[(*n)++] = p;
cleanup:
  return st;
}

static int is_regular(const char *path) {
  struct stat sb;
  return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

static int has_any_ext(const char *name, const char *const *exts) {
  if (!exts) return 1;
  for (; *exts; exts++)
    if (tb_io_has_ext(name, *exts)) return 1;
  return 0;
}

tb_status tb_io_list_dir(const char *dir, const char *const *exts, char ***paths, size_t *n) {
  tb_status st = TB_OK;
  DIR *d = NULL;
  char **list = NULL;
  size_t len = 0, cap = 0;
  *paths = NULL;
  *n = 0;
  d = opendir(dir);
  CHECK(d, TB_ERR_INPUT, "%s: cannot open the folder: %s", dir, strerror(errno));
  for (struct dirent *e; (e = readdir(d)) != NULL;) {
    if (e->d_name[0] == '.' || !has_any_ext(e->d_name, exts)) continue;
    TRY(push(&list, &len, &cap, dir, e->d_name));
    if (!is_regular(list[len - 1])) free(list[--len]);
  }
  if (len > 1) qsort(list, len, sizeof *list, cmp_paths);
  *paths = list;
  *n = len;
  list = NULL;
cleanup:
  if (d) closedir(d);
  tb_io_free_list(&list, len);
  return st;
}

tb_status tb_io_glob(const char *pattern, char ***paths, size_t *n) {
  tb_status st = TB_OK;
  glob_t g;
  int rc = -1;
  char **list = NULL;
  size_t len = 0, cap = 0;
  *paths = NULL;
  *n = 0;
  memset(&g, 0, sizeof g);
  rc = glob(pattern, 0, NULL, &g);
  CHECK(rc != GLOB_NOSPACE, TB_ERR_NOMEM, "%s: out of memory expanding the pattern", pattern);
  CHECK(rc == 0 && g.gl_pathc > 0, TB_ERR_INPUT,
        "%s: no file matches this pattern (and no file has this name); expected e.g. slices/*.tif", pattern);
  for (size_t i = 0; i < g.gl_pathc; i++)
    if (is_regular(g.gl_pathv[i])) TRY(push(&list, &len, &cap, g.gl_pathv[i], NULL));
  CHECK(len > 0, TB_ERR_INPUT, "%s: the pattern matches no regular file", pattern);
  qsort(list, len, sizeof *list, cmp_paths);
  *paths = list;
  *n = len;
  list = NULL;
cleanup:
  if (rc != -1) globfree(&g);
  tb_io_free_list(&list, len);
  return st;
}

tb_status tb_io_file_size(const char *path, const char *what, uint64_t *size) {
  tb_status st = TB_OK;
  struct stat sb;
  *size = 0;
  CHECK(stat(path, &sb) == 0, TB_ERR_INPUT, "%s: cannot open the %s: %s", path, what, strerror(errno));
  CHECK(S_ISREG(sb.st_mode), TB_ERR_INPUT, "%s: the %s is not a regular file", path, what);
  *size = (uint64_t)sb.st_size;
cleanup:
  return st;
}
