/* A minimal parallel-for for the morphometry passes: indices are claimed one
 * at a time from an atomic counter, so load balances itself; each index
 * writes its own output, so results do not depend on the thread count. */
#define _POSIX_C_SOURCE 200809L

#include "trabecula/morph.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

enum { MAX_THREADS = 16 };

int tb_morph_thread_count(void) {
  const char *env = getenv("TRABECULA_THREADS");
  long n = 0;
  if (env && env[0]) n = strtol(env, NULL, 10);
  if (n <= 0) n = sysconf(_SC_NPROCESSORS_ONLN);
  if (n < 1) n = 1;
  if (n > MAX_THREADS) n = MAX_THREADS;
  return (int)n;
}

typedef struct job {
  atomic_llong next;
  int64_t n;
  void (*fn)(void *, int64_t);
  void *ctx;
} job;

static void *worker(void *arg) {
  job *j = arg;
  for (;;) {
    int64_t i = (int64_t)atomic_fetch_add(&j->next, 1);
    if (i >= j->n) break;
    j->fn(j->ctx, i);
  }
  return NULL;
}

tb_status tb_morph_parallel_for(int64_t n, void (*fn)(void *ctx, int64_t i), void *ctx) {
  tb_status st = TB_OK;
  pthread_t th[MAX_THREADS];
  int started = 0;
  job j;
  atomic_init(&j.next, 0);
  j.n = n;
  j.fn = fn;
  j.ctx = ctx;
  int nt = tb_morph_thread_count();
  if (nt > n) nt = (int)(n > 0 ? n : 1);
  /* The calling thread is one of the workers. */
  for (int t = 1; t < nt; t++) {
    if (pthread_create(&th[started], NULL, worker, &j) != 0) break; /* run with fewer threads */
    started++;
  }
  worker(&j);
  for (int t = 0; t < started; t++) pthread_join(th[t], NULL);
  return st;
}
