/* assets.h: the dashboard's page (sub/dashboard/web/index.html, app.js, periods.js,
 * style.css),
 * embedded in the binary at build time by sub/dashboard/web/embed.cmake: the program
 * serves it without files to install and without any CDN. */
#ifndef SUB_WEB_ASSETS_H
#define SUB_WEB_ASSETS_H

#include <stddef.h>
#include "http.h"

extern const sub_http_asset sub_web_assets[];
extern const size_t sub_web_nassets;

#endif
