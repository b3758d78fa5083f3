"""The page around the sections: inline CSS and a little inline JS, nothing fetched.

The self-check script records script errors and every resource the page loaded into
attributes of <body>; a browser test reads them back from the DOM, and a reader can
see them too. A report that works offline should list no resources at all."""

from __future__ import annotations

from html import escape

__all__ = ["page"]

CSS = """
:root{--covered:#b9dcb0;--covered-some:#e4f0c8;--excl:#9a9a9a;--r0:#7a4fb3;--r1:#c0392b;
--r2:#1f6f8b;--commit:#e08a00;--trig:#d62728;--inside:#f2a541;--und:#8c8c8c;
--out:#1f77b4;--viol:#000;--una:#bbb}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d1d1d;
background:#fafafa}
main{max-width:1280px;margin:0 auto;padding:12px 24px 48px}
h1{font-size:1.5em;margin:.3em 0}h2{border-bottom:2px solid #ddd;padding-bottom:4px;
margin-top:1.6em}
.banner{background:#fff3cd;border:2px solid #d4a106;padding:10px 14px;margin:10px 0;
border-radius:4px}
.muted{color:#666;font-size:.92em}
.proposal-note{background:#eef3f8;border-left:4px solid #2a6fb0;padding:6px 12px;margin:10px 0}
.badge{display:inline-block;padding:0 6px;border-radius:8px;background:#e6e6e6;
font-size:.82em;margin-right:4px}
.badge.hyp{background:#d4a106;color:#fff;font-weight:600;text-transform:uppercase}
table{border-collapse:collapse;margin:6px 0;background:#fff}
th,td{border:1px solid #ddd;padding:3px 7px;text-align:left;vertical-align:top}
thead th{background:#f0f0f0}
.map-wrap{display:flex;gap:18px;flex-wrap:wrap;align-items:flex-start}
svg.map{background:#dde8f0;border:1px solid #bbb;max-width:100%;height:auto;cursor:grab;
touch-action:none;display:block}
.map-box{max-width:100%}
.map-zoom{display:flex;gap:4px;margin-bottom:4px;align-items:center}
.map-zoom button{width:28px;height:28px;font-size:17px;line-height:1;padding:0;cursor:pointer;
background:#fff;border:1px solid #999;border-radius:3px}
.country{fill:#f3f0ea;stroke:#a9a39a;stroke-width:.7}.countries path:hover{fill:#e9e3d6}
.area,.country,.hex,.incident{vector-effect:non-scaling-stroke}
.hex{stroke:#fff;stroke-width:.4;fill-opacity:.85}.hex:hover{stroke:#000;stroke-width:1.5}
.shade-0{fill:#ffeda0}.shade-1{fill:#fed976}.shade-2{fill:#feb24c}.shade-3{fill:#fd8d3c}
.shade-4{fill:#f03b20}.shade-5{fill:#bd0026}
.sea{fill:#dde8f0}
.area{stroke:#555;stroke-width:.6}
.covered{fill:var(--covered)}.covered-some{fill:var(--covered-some);stroke-dasharray:2 2}
.excluded{fill:var(--excl);fill-opacity:.75}
.excluded-reading{fill-opacity:.9;stroke-width:1.6}
.reading-0{fill:url(#hatch-0);stroke:var(--r0)}
.reading-1{fill:url(#hatch-1);stroke:var(--r1);stroke-dasharray:6 3}
.reading-2{fill:url(#hatch-2);stroke:var(--r2);stroke-dasharray:2 2}
.hatch-bg{fill:none}.hatch-line-0{stroke:var(--r0);stroke-width:2.2}
.hatch-line-1{stroke:var(--r1);stroke-width:1.6}.hatch-dot{fill:var(--r2)}
.commitment{fill:var(--commit);fill-opacity:.12;stroke:var(--commit);stroke-width:2;
stroke-dasharray:8 4}
.map-wrap>div{flex:1 1 240px}
.legend{list-style:none;padding:0;margin:0;font-size:.9em}
.legend li{margin:3px 0}.legend svg{vertical-align:middle}
.incident{stroke:#fff;stroke-width:1.2;fill-opacity:.9;cursor:pointer;r:calc(5px*var(--k,1))}
.cat-triggered{fill:var(--trig)}.cat-inside{fill:var(--inside)}.cat-undetermined{fill:var(--und)}
.cat-outside{fill:var(--out)}.cat-violation{fill:var(--viol)}.cat-unassessed{fill:var(--una)}
.incident.highlight,.incident:target{stroke:#ff0;stroke-width:4;r:calc(9px*var(--k,1))}
.result{display:grid;grid-template-columns:minmax(0,2fr) minmax(220px,1fr);gap:16px;
margin:14px 0}
.clause{background:#f4f1ea;border-left:4px solid #b89b5e;padding:6px 12px;font-size:.93em;
align-self:start}
.obligations td:nth-child(3),.violating td:nth-child(2){white-space:nowrap}
.clause h4{margin:.3em 0}
.state{font-weight:600}
.state-violated .state{color:#b00}.state-fulfilled .state{color:#080}
.state-pending .state{color:#a60}.state-discharged .state,.state-blocked .state{color:#555}
.verdict{font-weight:700;padding:1px 8px;border-radius:4px;background:#ddd}
.verdict-kept{background:#cdeccd}.verdict-violated,.verdict-not_kept{background:#f5c6c6}
.verdict-undetermined{background:#e6e6e6}
.warnings{color:#8a5a00}
ol.timeline{list-style:none;padding-left:0;border-left:3px solid #bbb;margin-left:8px}
.step{padding:3px 0 3px 14px;position:relative}
.step:before{content:"";position:absolute;left:-8px;top:9px;width:11px;height:11px;
border-radius:50%;background:#888}
.step.instrument:before{background:#2a6fb0}.step.derived:before{background:#2a8a3a}
.step.negotiation:before{background:#a0a0a0}.step.rejected:before{background:#b00}
.step.hyp{background:repeating-linear-gradient(135deg,#fff8e0 0 8px,#fff 8px 16px)}
.step time{font-variant-numeric:tabular-nums;margin-right:8px;font-weight:600}
svg.chart{background:#fff;border:1px solid #ddd;max-width:100%;height:auto}
.bar{fill:#4a6fa5}.win-baseline{fill:#cfe0f3;opacity:.7}.win-after{fill:#f6dcb8;opacity:.7}
.start{stroke:#c00;stroke-width:1.5;stroke-dasharray:4 2}
.start-label{fill:#c00;font-size:11px}.win-label,.tick{font-size:11px;fill:#555}
.axis{stroke:#777}
details summary{cursor:pointer;color:#2a6fb0}
"""

# Installed first, so that it sees errors in everything after it.
SELF_CHECK = """
window.__errors=[];
window.addEventListener('error',function(ev){window.__errors.push(String(ev.message));});
(function(){var original=console.error;console.error=function(){
window.__errors.push(Array.prototype.join.call(arguments,' '));
return original.apply(console,arguments);};})();
window.addEventListener('load',function(){
var names=performance.getEntriesByType('resource').map(function(r){return r.name;});
document.body.setAttribute('data-errors',JSON.stringify(window.__errors));
document.body.setAttribute('data-resources',JSON.stringify(names));
document.body.setAttribute('data-markers',
String(document.querySelectorAll('#map circle.incident').length));});
"""

# Links from tables to markers: highlight the marker and bring the map into view.
INTERACTION = """
function showMarker(id){
document.querySelectorAll('circle.incident.highlight').forEach(function(c){
c.classList.remove('highlight');});
var m=document.getElementById(id);if(!m)return false;
m.classList.add('highlight');m.parentNode.appendChild(m);
if(window.mapFocus)window.mapFocus(+m.getAttribute('cx'),+m.getAttribute('cy'));
document.getElementById('map').scrollIntoView({behavior:'smooth',block:'center'});
return true;}
document.addEventListener('click',function(ev){
var a=ev.target.closest?ev.target.closest('a.inc-link'):null;
if(a&&showMarker(a.getAttribute('data-marker'))){ev.preventDefault();
history.replaceState(null,'','#'+a.getAttribute('data-marker'));}});
if(location.hash.length>1){showMarker(decodeURIComponent(location.hash.slice(1)));}
"""

# Zoom and pan by rewriting the map's viewBox: the wheel zooms about the pointer, dragging
# pans, the buttons zoom about the centre or go back to the whole map. --k (view width over
# the whole map's) keeps the incident circles the same size on screen.
ZOOM = """
(function(){var svg=document.getElementById('map');if(!svg)return;
var home=svg.getAttribute('data-home').split(' ').map(Number),box=home.slice(),drag=null;
function set(b){box=b;svg.setAttribute('viewBox',b.map(function(v){return v.toFixed(2);})
.join(' '));svg.style.setProperty('--k',String(b[2]/home[2]));}
function zoom(f,cx,cy){var w=box[2]*f;if(w>home[2]*4||w<home[2]/64)return;
set([cx-(cx-box[0])*f,cy-(cy-box[1])*f,w,box[3]*f]);}
function at(ev){var r=svg.getBoundingClientRect();
return [box[0]+(ev.clientX-r.left)/r.width*box[2],box[1]+(ev.clientY-r.top)/r.height*box[3]];}
svg.addEventListener('wheel',function(ev){ev.preventDefault();var p=at(ev);
zoom(ev.deltaY<0?1/1.25:1.25,p[0],p[1]);},{passive:false});
svg.addEventListener('pointerdown',function(ev){if(ev.button===0)
drag={x:ev.clientX,y:ev.clientY,b:box.slice()};});
window.addEventListener('pointermove',function(ev){if(!drag)return;
var r=svg.getBoundingClientRect();set([drag.b[0]-(ev.clientX-drag.x)/r.width*box[2],
drag.b[1]-(ev.clientY-drag.y)/r.height*box[3],box[2],box[3]]);});
window.addEventListener('pointerup',function(){drag=null;});
document.querySelectorAll('.map-zoom button').forEach(function(b){
b.addEventListener('click',function(){var k=b.getAttribute('data-zoom');
if(k==='reset')set(home.slice());else zoom(k==='in'?1/1.5:1.5,box[0]+box[2]/2,box[1]+box[3]/2);
});});
window.mapFocus=function(x,y){set([x-box[2]/2,y-box[3]/2,box[2],box[3]]);};})();
"""


def page(title: str, body: str) -> str:
    """A complete HTML document; `body` is trusted HTML built from escaped parts."""
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            # an empty data: icon stops the browser asking for /favicon.ico
            '<link rel="icon" href="data:,">'
            f"<title>{escape(title)}</title><script>{SELF_CHECK}</script>"
            f"<style>{CSS}</style></head><body><main>{body}</main>"
            f"<script>{ZOOM}{INTERACTION}</script></body></html>\n")
