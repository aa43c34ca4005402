/* The process table: the time step in order. A new process is a module in
 * this folder with its kernel file, and one row here. */
#include "trabecula/process.h"

extern const tb_process_type tb_process_osteoclast, tb_process_formation, tb_process_osteocyte, tb_process_marrow,
    tb_process_immune, tb_process_signals, tb_process_treatment, tb_process_denosumab,
    tb_process_teriparatide, tb_process_romosozumab, tb_process_lining, tb_process_bisphosphonate, tb_process_mineral;

const tb_process_type *const tb_default_processes[] = {
    &tb_process_treatment,  /* the [treatment.N] courses; the drug effects buffer (neutral) */
    &tb_process_denosumab,  /* serum denosumab; free RANKL */
    &tb_process_teriparatide, /* serum teriparatide, BCL2 signal; osteoblast life, RANKL, lining activation */
    &tb_process_romosozumab,  /* serum romosozumab, sclerostin, tolerance; free sclerostin, OPG, lining activation */
    &tb_process_bisphosphonate, /* alendronate, zoledronate: plasma, bound drug, osteoclast apoptosis */
    &tb_process_immune,     /* immune populations and precursor pool; their RANKL, OPG, TNF-alpha, IL-17, IL-6 */
    &tb_process_osteoclast, /* BMU initiation, team fronts, resorption, TGF-beta release */
    &tb_process_formation,  /* coupling, refilling, end of the cycle */
    &tb_process_lining,     /* formation on quiescent surfaces under an anabolic drug */
    &tb_process_osteocyte,  /* apoptosis, RANKL, OPG, sclerostin */
    &tb_process_marrow,     /* MSC commitment, adiposity */
    &tb_process_mineral,    /* tissue age and mineral: no kernel per step (formation mixes the birth day in) */
    &tb_process_signals,    /* quasi-steady solve of every field (last: it sees every source) */
    NULL};
