// GDCM behind a C interface (see dicom_gdcm.h). GDCM's tracing is switched
// off and every exception is caught, so dicom.c gets one status and one
// message per call. Uses gdcm::Reader up to the pixel data for the header
// and gdcm::ImageReader (which also decodes compressed transfer syntaxes)
// for the pixels.
#include "io/dicom_gdcm.h"

#include <gdcmExplicitDataElement.h>
#include <gdcmImage.h>
#include <gdcmImplicitDataElement.h>
#include <gdcmImageReader.h>
#include <gdcmReader.h>
#include <gdcmStringFilter.h>
#include <gdcmTrace.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

void quiet() {
  gdcm::Trace::SetDebug(false);
  gdcm::Trace::SetWarning(false);
  gdcm::Trace::SetError(false);
}

// Up to max numbers of a DICOM multi-value string ("a\b\c"); how many.
int numbers(const std::string &s, double *out, int max) {
  int n = 0;
  const char *p = s.c_str();
  while (*p && n < max) {
    while (*p == ' ' || *p == '\\') p++;
    if (!*p) break;
    char *end = nullptr;
    double x = std::strtod(p, &end);
    if (end == p) return -1;
    out[n++] = x;
    p = end;
    while (*p == ' ') p++;
    if (*p && *p != '\\') return -1;
  }
  return n;
}

std::string value(const gdcm::StringFilter &sf, const gdcm::DataSet &ds, uint16_t g, uint16_t e) {
  gdcm::Tag t(g, e);
  if (!ds.FindDataElement(t) || ds.GetDataElement(t).IsEmpty()) return std::string();
  return sf.ToString(t);
}

int fail(char *err, size_t nerr, const char *msg) {
  std::snprintf(err, nerr, "%s", msg);
  return 1;
}

}  // namespace

extern "C" int tb_dcm_read_info(const char *path, uint64_t file_size, tb_dcm_info *info, char *err, size_t nerr) {
  try {
    quiet();
    std::memset(info, 0, sizeof *info);
    info->slope = 1.0;
    gdcm::Reader r;
    r.SetFileName(path);
    if (!r.ReadUpToTag(gdcm::Tag(0x7fe0, 0x0010)))
      return fail(err, nerr, "not a readable DICOM file (GDCM cannot parse it)");
    const gdcm::File &f = r.GetFile();
    const gdcm::DataSet &ds = f.GetDataSet();
    gdcm::StringFilter sf;
    sf.SetFile(f);
    double x[6];
    struct { uint16_t e; int32_t *dst; int32_t dflt; } ints[] = {
        {0x0010, &info->rows, 0}, {0x0011, &info->cols, 0}, {0x0008, &info->frames, 1},
        {0x0002, &info->samples, 1}, {0x0100, &info->bits_allocated, 0}, {0x0103, &info->pixel_rep, 0}};
    for (auto &it : ints) {
      std::string s = value(sf, ds, 0x0028, it.e);
      *it.dst = it.dflt;
      if (!s.empty()) {
        if (numbers(s, x, 1) != 1 || !(x[0] >= 0 && x[0] <= 2147483647.0)) {
          std::snprintf(err, nerr, "tag (0028,%04X) = '%.40s'; expected a whole number", it.e, s.c_str());
          return 1;
        }
        *it.dst = (int32_t)x[0];
      }
    }
    std::string pm = value(sf, ds, 0x0028, 0x0004);
    while (!pm.empty() && (pm.back() == ' ' || pm.back() == '\0')) pm.pop_back();
    std::snprintf(info->photometric, sizeof info->photometric, "%s", pm.c_str());
    info->has_ipp = numbers(value(sf, ds, 0x0020, 0x0032), info->ipp, 3) == 3;
    info->has_iop = numbers(value(sf, ds, 0x0020, 0x0037), info->iop, 6) == 6;
    info->has_spacing = numbers(value(sf, ds, 0x0028, 0x0030), info->spacing, 2) == 2;
    info->has_thickness = numbers(value(sf, ds, 0x0018, 0x0050), &info->thickness, 1) == 1;
    info->has_between = numbers(value(sf, ds, 0x0018, 0x0088), &info->between, 1) == 1;
    if (numbers(value(sf, ds, 0x0028, 0x1053), x, 1) == 1) info->slope = x[0];
    if (numbers(value(sf, ds, 0x0028, 0x1052), x, 1) == 1) info->intercept = x[0];
    const gdcm::TransferSyntax &ts = f.GetHeader().GetDataSetTransferSyntax();
    info->encapsulated = ts.IsEncapsulated() ? 1 : 0;
    // GDCM reads a file that ends inside its pixel data without failing (it
    // warns, and we silence warnings): compare the encoded length of the
    // header and data set, declared lengths included, with the file's. The
    // meta information's full length counts the 128-byte preamble and DICM.
    if (!info->encapsulated && !f.GetHeader().GetPreamble().IsEmpty()) {
      uint64_t ds_len = ts.GetNegociatedType() == gdcm::TransferSyntax::Explicit
                            ? (uint64_t)ds.GetLength<gdcm::ExplicitDataElement>()
                            : (uint64_t)ds.GetLength<gdcm::ImplicitDataElement>();
      uint64_t expected = (uint64_t)f.GetHeader().GetFullLength() + ds_len;
      info->missing = expected > file_size ? expected - file_size : 0;
    }
    if (!ds.FindDataElement(gdcm::Tag(0x7fe0, 0x0010)) && !r.GetFile().GetDataSet().FindDataElement(gdcm::Tag(0x0028, 0x0010)))
      return fail(err, nerr, "no image (no Rows and no PixelData); expected a DICOM image slice");
    return 0;
  } catch (const std::exception &e) {
    std::snprintf(err, nerr, "GDCM failed: %s", e.what());
  } catch (...) {
    std::snprintf(err, nerr, "GDCM failed reading the header");
  }
  return 1;
}

extern "C" int tb_dcm_read_pixels(const char *path, void *buf, size_t bytes, char *err, size_t nerr) {
  try {
    quiet();
    gdcm::ImageReader r;
    r.SetFileName(path);
    if (!r.Read()) return fail(err, nerr, "the pixel data cannot be read (GDCM cannot parse the file)");
    const gdcm::Image &img = r.GetImage();
    unsigned long len = img.GetBufferLength();
    if (len != bytes) {
      std::snprintf(err, nerr, "the pixel data decode to %lu bytes; the header's sizes need %zu", len, bytes);
      return 1;
    }
    if (!img.GetBuffer(static_cast<char *>(buf)))
      return fail(err, nerr, "the pixel data cannot be decoded (truncated, or a compression GDCM cannot read)");
    return 0;
  } catch (const std::exception &e) {
    std::snprintf(err, nerr, "GDCM failed: %s", e.what());
  } catch (...) {
    std::snprintf(err, nerr, "GDCM failed reading the pixel data");
  }
  return 1;
}
