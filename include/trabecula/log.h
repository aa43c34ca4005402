/* Logging for the user: plain lines on stderr. */
#ifndef TRABECULA_LOG_H
#define TRABECULA_LOG_H

void tb_log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void tb_log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Set by the CLI (-q); tests leave it on. Not shared across threads. */
void tb_log_set_quiet(int quiet);

#endif
