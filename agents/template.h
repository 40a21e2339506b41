/* template.h: huibao-agent template: an empty ledger workbook (.xlsx) with
 * the headers and drop-down lists (data validation) of docs/ledger-format.md. */
#ifndef AGENT_TEMPLATE_H
#define AGENT_TEMPLATE_H

/* `huibao-agent template --out FILE.xlsx [--campaigns FILE [--campaign ID]]`; argv[0] is
 * "template". Returns the process exit code after printing its messages. */
int agent_template_main(int argc, char **argv);

#endif
