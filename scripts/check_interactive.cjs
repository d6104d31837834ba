// Opens a lacuna report.html in headless Chromium, with every request outside the page
// refused, and checks its interactive map the way a user would use it:
//   - the map draws one path per area (the areas counted from areas.geojson beside the report);
//   - hovering an area shows its name in the information panel;
//   - switching the service changes the areas' fill colours;
//   - typing an area's name in the search box and pressing Enter zooms to it;
//   - no request leaves the page (nothing but the report itself is fetched; no CSP violation);
// and it records the load time and how long a service switch and a zoom take. Screenshots go
// to the output folder for a person to look at.
//
// Usage: node scripts/check_interactive.cjs OUT_DIR [SCREENSHOT_DIR]
// Needs playwright-core (npm; found through NODE_PATH) and Chromium (Debian's `chromium`, or CHROMIUM=/path).
// Exits 1 when a check fails, printing why; prints a JSON summary on success.
'use strict';
const { chromium } = require('playwright-core');
const { readFileSync, mkdirSync } = require('node:fs');
const { resolve, join } = require('node:path');
const { pathToFileURL } = require('node:url');

(async () => {

const out = resolve(process.argv[2] || 'out');
const shots = resolve(process.argv[3] || join(out, 'interactive-check'));
mkdirSync(shots, { recursive: true });
const report = pathToFileURL(join(out, 'report.html')).href;
const expectedAreas = JSON.parse(readFileSync(join(out, 'areas.geojson'), 'utf8')).features.length;

const failures = [];
function check(ok, what) {
  if (!ok) failures.push(what);
  console.error(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, offline: true });
const requests = [];
await context.route('**/*', (route) => {
  const url = route.request().url();
  requests.push(url);
  return url === report ? route.continue() : route.abort();
});
const page = await context.newPage();
// A file: page's own requests bypass routing: the request events and the page's resource
// timing list them all.
page.on('request', (r) => requests.push(r.url()));
const errors = [];
page.on('pageerror', (e) => errors.push(String(e)));
page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
await page.addInitScript(() => {
  window.__csp = [];
  document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.blockedURI));
});

await page.goto(report, { waitUntil: 'load', timeout: 60000 });
await page.waitForSelector('#lacuna-map[data-ready]', { timeout: 60000 });
const loadMs = await page.evaluate(() => {
  const nav = performance.getEntriesByType('navigation')[0];
  return nav.loadEventEnd - nav.startTime;
});
await page.evaluate(() => document.getElementById('lacuna-map').scrollIntoView());
const mapShot = (name) => page.locator('#lacuna-map').screenshot({ path: join(shots, name) });
const mode = await page.evaluate(() => (window.lacuna.map.options.preferCanvas ? 'canvas' : 'svg'));
await mapShot('1-opened.png');

// One drawn path per area.
const drawn = await page.evaluate(() =>
  window.lacuna.map.options.preferCanvas
    ? window.lacuna.areas.filter((l) => window.lacuna.map.hasLayer(l) && l._parts).length
    : document.querySelectorAll('#lacuna-map path.lacuna-area').length);
check(drawn === expectedAreas, `areas drawn: ${drawn} (${mode}), areas in areas.geojson: ${expectedAreas}`);

// A point of the screen inside area i and not under a control, or null.
async function pointInside(i) {
  return page.evaluate((i) => {
    const { map, areas } = window.lacuna;
    const layer = areas[i];
    const box = map.getContainer().getBoundingClientRect();
    const b = layer.getBounds();
    const inside = (ll) => {
      let hit = false;
      const polys = Array.isArray(layer.getLatLngs()[0][0]) ? layer.getLatLngs() : [layer.getLatLngs()];
      for (const poly of polys) {
        for (const r of poly) {
          for (let a = 0, c = r.length - 1; a < r.length; c = a++) {
            const [ya, xa, yc, xc] = [r[a].lat, r[a].lng, r[c].lat, r[c].lng];
            if ((ya > ll.lat) !== (yc > ll.lat) && ll.lng < ((xc - xa) * (ll.lat - ya)) / (yc - ya) + xa) hit = !hit;
          }
        }
      }
      return hit;
    };
    for (let gy = 1; gy < 24; gy++) {
      for (let gx = 1; gx < 24; gx++) {
        const ll = L.latLng(b.getSouth() + ((b.getNorth() - b.getSouth()) * gy) / 24,
          b.getWest() + ((b.getEast() - b.getWest()) * gx) / 24);
        if (!inside(ll)) continue;
        const p = map.latLngToContainerPoint(ll);
        const x = box.left + p.x, y = box.top + p.y;
        if (x < box.left + 2 || y < box.top + 2 || x > box.right - 2 || y > box.bottom - 2) continue;
        const el = document.elementFromPoint(x, y);
        const ok = map.options.preferCanvas ? el && el.tagName === 'CANVAS' : el === layer._path;
        if (ok) return { x, y };
      }
    }
    return null;
  }, i);
}

// Hover: the largest area in view that a control does not hide.
const order = await page.evaluate(() => {
  const { areas } = window.lacuna;
  return areas.map((l, i) => {
    const b = l.getBounds();
    return [i, (b.getNorth() - b.getSouth()) * (b.getEast() - b.getWest())];
  }).sort((a, b) => b[1] - a[1]).map((x) => x[0]);
});
let hovered = null;
for (const i of order.slice(0, 40)) {
  const at = await pointInside(i);
  if (at) { hovered = { i, at }; break; }
}
check(hovered !== null, 'found an area to hover');
if (hovered) {
  const name = await page.evaluate((i) => window.lacuna.data.areas.name[i] || window.lacuna.data.areas.code[i], hovered.i);
  const before = await page.textContent('#lacuna-info');
  await page.mouse.move(hovered.at.x, hovered.at.y);
  await page.waitForTimeout(150);
  const after = await page.textContent('#lacuna-info');
  check(!before.includes(name) && after.includes(name), `hovering shows the area's name (${name})`);
  await mapShot('2-hover.png');
  await page.mouse.move(1, 1);
}

// Switching the service changes the fills (as drawn, in SVG; as styled, on canvas).
const fills = () => page.evaluate(() =>
  window.lacuna.areas.map((l) => (l._path ? l._path.getAttribute('fill') : l.options.fillColor)));
const services = await page.evaluate(() => window.lacuna.data.services.length);
let switchMs = null;
if (services > 1) {
  const first = await fills();
  const t0 = Date.now();
  await page.selectOption('#lacuna-service', '1');
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  switchMs = Date.now() - t0;
  const second = await fills();
  const changed = first.filter((f, k) => f !== second[k]).length;
  check(changed > 0, `switching the service changes the fill of ${changed} areas`);
  await mapShot('3-service.png');
} else {
  console.error('skip service switch: the study has one service type');
}

// Search: the smallest area, by name (or code), zoomed to with Enter.
const target = order[order.length - 1];
const [tname, tcode] = await page.evaluate((i) => [window.lacuna.data.areas.name[i], window.lacuna.data.areas.code[i]], target);
const zoomBefore = await page.evaluate(() => window.lacuna.map.getZoom());
const t1 = Date.now();
await page.fill('#lacuna-search', tname || tcode);
await page.press('#lacuna-search', 'Enter');
await page.waitForTimeout(600);
const zoomMs = Date.now() - t1;
const view = await page.evaluate((i) => {
  const { map, areas } = window.lacuna;
  return { zoom: map.getZoom(), contains: map.getBounds().contains(areas[i].getBounds().getCenter()), pinned: window.lacuna.state.pinned };
}, target);
const picked = await page.evaluate(() => window.lacuna.state.pinned);
const pickedName = await page.evaluate((i) => window.lacuna.data.areas.name[i], picked);
check(view.zoom > zoomBefore && picked !== null && (pickedName === tname || picked === target) &&
  (await page.evaluate((i) => window.lacuna.map.getBounds().contains(window.lacuna.areas[i].getBounds().getCenter()), picked)),
  `searching "${tname || tcode}" zooms to it (zoom ${zoomBefore.toFixed(2)} -> ${view.zoom.toFixed(2)})`);
const info = await page.textContent('#lacuna-info');
check(info.includes(tname || tcode), 'the found area\'s figures are shown');
await mapShot('4-search.png');

// Nothing but the page itself was requested; nothing was blocked by the page's policy.
const csp = await page.evaluate(() => window.__csp);
const resources = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name));
const outside = requests.concat(resources).filter((u) => u !== report && !u.startsWith('data:'));
check(outside.length === 0 && csp.length === 0, `no request leaves the page (${outside.length} requests, ${csp.length} blocked: ${outside.concat(csp).slice(0, 3).join(' ')})`);
check(errors.length === 0, `no script errors (${errors.slice(0, 3).join(' | ')})`);

await browser.close();
console.log(JSON.stringify({ report, mode, areas: expectedAreas, drawn, load_ms: Math.round(loadMs), service_switch_ms: switchMs, search_zoom_ms: zoomMs, screenshots: shots, failures }, null, 1));
process.exit(failures.length ? 1 : 0);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
