//! The report's interactive map: one Leaflet map of the study in `report.html`, with a layer
//! per map kind and service, hover and click for an area's figures, a service switcher, a
//! search box, providers clustered where dense, gaps, lottery pairs and new sites.
//!
//! Everything it needs is in the page: Leaflet and its marker-cluster plugin (vendored in
//! `assets/`, with their licences), lacuna's script, and the study's data as JSON. The areas
//! are embedded once, as a topology simplified for the screen ([`arcs`]); the figures as
//! columns ([`data`]). The page's Content-Security-Policy forbids any request, so it opens
//! offline, from a USB stick or an email, and cannot leak what it shows.

mod arcs;
mod data;

use lacuna_core::metrics::coverage::Coverage;
use lacuna_core::metrics::findings::Findings;
use lacuna_io::LoadedStudy as Study;

const LEAFLET_JS: &str = include_str!("../../assets/leaflet/leaflet.js");
const LEAFLET_CSS: &str = include_str!("../../assets/leaflet/leaflet.css");
const CLUSTER_JS: &str = include_str!("../../assets/markercluster/leaflet.markercluster.js");
const CLUSTER_CSS: &str = include_str!("../../assets/markercluster/MarkerCluster.css");
const CLUSTER_DEFAULT_CSS: &str =
    include_str!("../../assets/markercluster/MarkerCluster.Default.css");
const MAP_JS: &str = include_str!("../../assets/map.js");
const MAP_CSS: &str = include_str!("../../assets/map.css");

/// The page may run its own inline scripts and styles and show inline images, and nothing
/// else: no request can leave it.
pub(crate) const CSP: &str = "default-src 'none'; script-src 'unsafe-inline'; \
    style-src 'unsafe-inline'; img-src data:; font-src data:";

/// The styles the map needs, for the page's `<head>`.
pub(crate) fn styles() -> String {
    [LEAFLET_CSS, CLUSTER_CSS, CLUSTER_DEFAULT_CSS, MAP_CSS].join("\n")
}

/// The map's part of the page body: its container, its data and its scripts.
pub(crate) fn section(study: &Study, coverage: &Coverage, f: &Findings) -> String {
    let data = data::data_json(study, coverage, f);
    format!(
        "<div id=\"lacuna-map\" role=\"application\" aria-label=\"Interactive map of the study\"></div>\n\
         <script type=\"application/json\" id=\"lacuna-data\">{data}</script>\n\
         <script>{LEAFLET_JS}</script>\n<script>{CLUSTER_JS}</script>\n<script>{MAP_JS}</script>\n"
    )
}
