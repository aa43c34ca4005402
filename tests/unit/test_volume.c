#include "tb_test.h"
#include "trabecula/volume.h"

static int otsu_separates_two_gray_levels(void) {
  tb_volume *v = NULL, *f = NULL;
  EXPECT(tb_volume_create(8, 8, 8, &v) == TB_OK);
  size_t n = tb_volume_count(v);
  for (size_t i = 0; i < n; i++) v->data[i] = (i % 3 == 0) ? 900.0f + (float)(i % 7) : 100.0f + (float)(i % 5);
  float used = 0;
  EXPECT(tb_volume_to_fraction(v, NAN, &f, &used) == TB_OK);
  EXPECT(used > 105.0f && used < 900.0f);
  for (size_t i = 0; i < n; i++) EXPECT(f->data[i] == ((i % 3 == 0) ? 1.0f : 0.0f));
  tb_volume_destroy(&v);
  tb_volume_destroy(&f);
  EXPECT(v == NULL && f == NULL);
  return 0;
}

static int binary_0_255_thresholds_at_midpoint(void) {
  tb_volume *v = NULL, *f = NULL;
  EXPECT(tb_volume_create(4, 4, 4, &v) == TB_OK);
  for (size_t i = 0; i < 64; i++) v->data[i] = (i & 1) ? 255.0f : 0.0f;
  float used = 0;
  EXPECT(tb_volume_to_fraction(v, NAN, &f, &used) == TB_OK);
  EXPECT_NEAR(used, 127.5, 1e-6);
  EXPECT(f->data[1] == 1.0f && f->data[2] == 0.0f);
  tb_volume_destroy(&v);
  tb_volume_destroy(&f);
  return 0;
}

static int zero_dimension_is_rejected(void) {
  tb_volume *v = NULL;
  EXPECT(tb_volume_create(0, 4, 4, &v) == TB_ERR_INPUT);
  EXPECT(v == NULL);
  return 0;
}

int main(void) {
  return TB_RUN(otsu_separates_two_gray_levels, binary_0_255_thresholds_at_midpoint, zero_dimension_is_rejected);
}
