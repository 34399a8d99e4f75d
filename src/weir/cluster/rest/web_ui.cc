#include "weir/cluster/rest/web_ui.h"

#include <string>

namespace weir::cluster::rest {

namespace {

constexpr std::string_view kNotBuilt = R"(<!doctype html>
<html><head><meta charset="utf-8"><title>Weir</title></head>
<body style="font-family: sans-serif; margin: 2em">
<h1>Weir</h1>
<p>This <code>weir</code> binary was built without its web UI: Node.js (20.19 or newer) and npm were
missing when it was built. Install them (<code>scripts/setup</code> does), run <code>scripts/build</code>,
and reload. The REST API works meanwhile: <a href="overview">/overview</a>, <a href="jobs/overview">/jobs/overview</a>.</p>
</body></html>
)";

RestResponse asset_response(const WebAsset& asset) {
  RestResponse r;
  r.body = std::string(asset.bytes);
  r.content_type = std::string(asset.content_type);
  return r;
}

}  // namespace

void add_web_ui_routes(RestServer& server) {
  bool have_index = false;
  for (const WebAsset& asset : web_ui_assets()) {
    if (asset.path == "/index.html") {
      have_index = true;
      server.add_route("GET", "/", [&asset](const RestRequest&) { return asset_response(asset); });
    }
    server.add_route("GET", std::string(asset.path),
                     [&asset](const RestRequest&) { return asset_response(asset); });
  }
  if (!have_index)
    server.add_route("GET", "/", [](const RestRequest&) {
      return RestResponse::text(std::string(kNotBuilt), "text/html; charset=utf-8");
    });
}

}  // namespace weir::cluster::rest
