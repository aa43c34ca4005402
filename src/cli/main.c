#include <stdio.h>
int main(void) { puts("trabecula " TB_VERSION); return 0; }
