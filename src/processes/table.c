/* The process table: the time step in order. A new process is a module in
 * this folder with its kernel file, and one row here. */
#include "trabecula/process.h"

extern const tb_process_type tb_process_osteoclast, tb_process_formation, tb_process_osteocyte, tb_process_marrow,
    tb_process_immune, tb_process_mineral, tb_process_signals;

const tb_process_type *const tb_default_processes[] = {
    &tb_process_immune,     /* immune populations and precursor pool; their RANKL, OPG, TNF-alpha, IL-17, IL-6 */
    &tb_process_osteoclast, /* BMU initiation, team fronts, resorption, TGF-beta release */
    &tb_process_formation,  /* coupling, refilling, end of the cycle */
    &tb_process_osteocyte,  /* apoptosis, RANKL, OPG, sclerostin */
    &tb_process_marrow,     /* MSC commitment, adiposity */
    &tb_process_mineral,    /* tissue age and mineral: no kernel per step (formation mixes the birth day in) */
    &tb_process_signals,    /* quasi-steady solve of every field (last: it sees every source) */
    NULL};
