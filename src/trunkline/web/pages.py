"""HTML templates (Jinja2, autoescaped) and the dashboard's own CSS and JavaScript.

They live in this module rather than as loose files so that an installed wheel always
carries them.
"""

from __future__ import annotations

from typing import Final

from jinja2 import DictLoader, Environment, select_autoescape

__all__ = ["APP_CSS", "APP_JS", "environment"]

APP_CSS: Final = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#222}
nav.tl-nav{background:#1d3557;padding:10px 18px;display:flex;gap:18px;align-items:center}
nav.tl-nav a{color:#f1faee;text-decoration:none;font-weight:500}
nav.tl-nav a.brand{font-weight:700;margin-right:12px}
main{max-width:1100px;margin:0 auto;padding:0 18px 40px}
h1{font-size:1.5rem;margin:18px 0 6px}h2{font-size:1.15rem;margin:26px 0 8px}
.meta{color:#666;font-size:.9rem}
.card{border:1px solid #ddd;border-radius:6px;padding:10px 14px;margin:10px 0;background:#fafbfc}
form.tl-form{display:grid;grid-template-columns:230px 1fr;gap:8px 14px;max-width:760px}
form.tl-form label{font-weight:500;padding-top:5px}
form.tl-form .help{grid-column:2;font-size:.8rem;color:#666;margin-top:-6px}
form.tl-form input,form.tl-form select{padding:5px;font-size:.95rem}
button,.button{background:#1d3557;color:#fff;border:0;border-radius:4px;padding:8px 16px;
font-size:1rem;cursor:pointer;text-decoration:none;display:inline-block}
.error{background:#fdecea;border:1px solid #f5c2c0;color:#8a1c14;padding:10px 14px;
border-radius:6px;white-space:pre-line}
.progress{width:100%;max-width:600px;height:18px;background:#e9ecef;border-radius:9px;
overflow:hidden}.progress>div{height:100%;background:#2a9d8f;width:0;transition:width .4s}
.tl-table{border-collapse:collapse;font-size:.85rem;margin:6px 0;width:100%}
.tl-table th,.tl-table td{border:1px solid #ddd;padding:3px 7px;text-align:right}
.tl-table th{background:#f2f4f7}.tl-table td:first-child,.tl-table th:first-child{
text-align:left}
.tl-fig{width:100%;min-height:300px}
"""

APP_JS: Final = """
(function(){
  function drawFigures(){
    if(typeof Plotly==="undefined"){return;}
    document.querySelectorAll("div.tl-fig").forEach(function(div){
      var spec=JSON.parse(document.getElementById(div.dataset.spec).textContent);
      Plotly.newPlot(div,spec.data,spec.layout,{responsive:true,displaylogo:false});
    });
  }
  function pollJob(box){
    var id=box.dataset.job, bar=box.querySelector(".progress>div");
    var stage=box.querySelector(".stage"), status=box.querySelector(".status");
    var err=box.querySelector(".error");
    function tick(){
      fetch("/api/jobs/"+encodeURIComponent(id),{headers:{"Accept":"application/json"}})
        .then(function(r){return r.json().then(function(j){return [r.status,j];});})
        .then(function(rj){
          var j=rj[1];
          if(rj[0]!==200){err.textContent=j.error||"unknown job";err.hidden=false;return;}
          bar.style.width=Math.round(100*j.progress)+"%";
          stage.textContent=j.stage; status.textContent=j.status;
          if(j.status==="done"){window.location.href="/runs/"+encodeURIComponent(j.run_id);}
          else if(j.status==="failed"){err.textContent=j.error;err.hidden=false;}
          else{setTimeout(tick,1000);}
        })
        .catch(function(){setTimeout(tick,2000);});
    }
    tick();
  }
  function start(){
    drawFigures();
    var box=document.getElementById("job");
    if(box){pollJob(box);}
  }
  if(document.readyState==="loading"){document.addEventListener("DOMContentLoaded",start);}
  else{start();}
})();
"""

_BASE: Final = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{% block title %}trunkline{% endblock %} — trunkline dashboard</title>
<link rel="stylesheet" href="/static/app.css">
{% block head %}{% endblock %}
<script src="/static/app.js" defer></script>
</head><body>
{{ nav|safe }}
<main>{% block main %}{% endblock %}</main>
</body></html>
"""

NAV: Final = ('<nav class="tl-nav"><a class="brand" href="/">trunkline</a>'
              '<a href="/">Scenarios</a><a href="/run">New run</a><a href="/runs">History</a>'
              '<a href="/docs">API</a></nav>')

_SCENARIOS: Final = """{% extends "base.html" %}
{% block title %}Scenarios{% endblock %}
{% block main %}
<h1>Scenarios</h1>
<p class="meta">Built-in trunkline scenarios. Run one as it is or with changed inputs.</p>
{% for s in scenarios %}
<div class="card scenario">
  <h2>{{ s.title }}</h2>
  <p>{{ s.description }}</p>
  <p class="meta">name <code>{{ s.name }}</code> · design throughput {{ s.throughput }} ·
  MAOP {{ s.maop|join(", ") }} · {{ s.waypoints }} waypoints
  {% if s.has_plan %}· has a 30-year plan{% endif %}</p>
  <a class="button" href="/run?scenario={{ s.name|urlencode }}">Run this scenario</a>
</div>
{% endfor %}
{% if runs %}
<h2>Latest runs</h2>
<ul>{% for r in runs %}<li><a href="/runs/{{ r.id|urlencode }}">{{ r.id }}</a>
{{ r.kind }} · {{ r.scenario }} · {{ r.created }}</li>{% endfor %}</ul>
{% endif %}
{% endblock %}
"""

_FORM: Final = """{% extends "base.html" %}
{% block title %}New run{% endblock %}
{% block main %}
<h1>Run a scenario with changed inputs</h1>
<p class="meta">Leave a field empty to keep the scenario's value. Quantities carry their unit.
A steady run takes some 10-40 s; with the 30-year plan about a minute the first time.</p>
{% if error %}<div class="error" id="form-error" role="alert">{{ error }}</div>{% endif %}
<form class="tl-form" method="post" action="/run" id="run-form">
  <label for="scenario">scenario</label>
  <select id="scenario" name="scenario">
  {% for s in scenarios %}<option value="{{ s.name }}" {% if s.name == values.scenario
  %}selected{% endif %}>{{ s.title }}</option>{% endfor %}</select>
  <label for="throughput">throughput</label>
  <input id="throughput" name="throughput" value="{{ values.throughput or '' }}"
   placeholder="e.g. 45 bcm/yr @ RU, 130 mcm/d @ ISO or 1000 kg/s" maxlength="80">
  <div class="help">Delivered throughput with its reference condition; the stations stay
  where the hydraulics place them for the design throughput.</div>
  <label for="maop">MAOP</label>
  <input id="maop" name="maop" value="{{ values.maop or '' }}" placeholder="e.g. 9.8 MPa"
   maxlength="80">
  <div class="help">Maximum allowable operating pressure of every section (the stations
  discharge at it).</div>
  <label for="stations">compressor stations</label>
  <input id="stations" name="stations" type="number" min="2" max="80"
   value="{{ values.stations or '' }}" placeholder="placed by the hydraulics">
  <div class="help">A fixed number of evenly spaced stations (each with the template's
  maximum running units plus the spare) instead of the hydraulic placement; a count that
  is too small shows up as violated limits.</div>
  <label for="month">month</label>
  <select id="month" name="month"><option value="">scenario's (annual mean)</option>
  {% for m in range(1, 13) %}<option value="{{ m }}" {% if values.month == m
  %}selected{% endif %}>{{ m }}</option>{% endfor %}</select>
  <label for="plan">30-year plan</label>
  <input id="plan" name="plan" type="checkbox" value="1" {% if values.plan %}checked{% endif %}>
  <div class="help">Also run the contract, economics and emissions (implied by any input
  below).</div>
  <label for="price">border price</label>
  <input id="price" name="price" value="{{ values.price or '' }}"
   placeholder="e.g. 240 USD/1000 m3 (flat); empty: oil-indexed formula" maxlength="80">
  <label for="price_case">oil price case</label>
  <select id="price_case" name="price_case"><option value="">plan's (base)</option>
  {% for c in ["low", "base", "high"] %}<option value="{{ c }}" {% if values.price_case == c
  %}selected{% endif %}>{{ c }}</option>{% endfor %}</select>
  <label for="discount_rate">discount rate [%]</label>
  <input id="discount_rate" name="discount_rate_percent" type="number" step="0.1" min="0"
   max="50" value="{{ values.discount_rate_percent or '' }}" placeholder="10">
  <span></span><div><button type="submit" id="run-button">Run</button></div>
</form>
{% endblock %}
"""

_JOB: Final = """{% extends "base.html" %}
{% block title %}Job {{ job.id }}{% endblock %}
{% block main %}
<h1>Run in progress</h1>
<div id="job" data-job="{{ job.id }}">
  <p>Job <code>{{ job.id }}</code>: <span class="status">{{ job.status }}</span> —
  <span class="stage">{{ job.stage }}</span></p>
  <div class="progress"><div style="width: {{ (job.progress * 100)|round|int }}%"></div></div>
  <div class="error" hidden>{{ job.error or '' }}</div>
  {% if job.run_id %}<p><a href="/runs/{{ job.run_id|urlencode }}">Open the results</a></p>
  {% endif %}
</div>
<h2>Inputs</h2>
<table class="tl-table"><tbody>{% for k, v in job.request.items() %}
<tr><td>{{ k }}</td><td>{{ v }}</td></tr>{% endfor %}</tbody></table>
<noscript><p>This page updates itself with JavaScript; reload it to see the progress.</p>
</noscript>
{% endblock %}
"""

_RUNS: Final = """{% extends "base.html" %}
{% block title %}History{% endblock %}
{% block main %}
<h1>Run history</h1>
<p class="meta">Runs in the results store, newest first. Tick two or more to compare.</p>
{% if runs %}
<form method="get" action="/compare">
<table class="tl-table" id="runs-table"><thead><tr><th></th><th>run</th><th>kind</th>
<th>scenario</th><th>inputs</th><th>created</th><th>report</th></tr></thead><tbody>
{% for r in runs %}<tr><td><input type="checkbox" name="ids" value="{{ r.id }}"></td>
<td><a href="/runs/{{ r.id|urlencode }}">{{ r.id }}</a></td><td>{{ r.kind }}</td>
<td>{{ r.scenario }}</td><td>{{ r.inputs }}</td><td>{{ r.created }}</td>
<td><a href="/runs/{{ r.id|urlencode }}/report.html">HTML</a></td></tr>{% endfor %}
</tbody></table>
<button type="submit">Compare selected</button>
</form>
{% else %}<p>No runs yet. <a href="/run">Start one.</a></p>{% endif %}
{% endblock %}
"""

_COMPARE: Final = """{% extends "base.html" %}
{% block title %}Compare{% endblock %}
{% block head %}<script src="/static/plotly.min.js" defer></script>{% endblock %}
{% block main %}
<h1>Compare runs</h1>
{% if figure %}
<figure><div class="tl-fig" id="fig-compare" data-spec="spec-compare"></div>
<script type="application/json" id="spec-compare">{{ figure|safe }}</script>
<figcaption class="meta">Pressure along the route of each run.</figcaption></figure>
{% endif %}
<table class="tl-table" id="compare-table"><thead><tr><th>quantity</th>
{% for rid in ids %}<th><a href="/runs/{{ rid|urlencode }}">{{ rid }}</a></th>{% endfor %}
</tr></thead><tbody>
{% for label, values in rows %}<tr><td>{{ label }}</td>{% for v in values %}<td>{{ v }}</td>
{% endfor %}</tr>{% endfor %}</tbody></table>
{% endblock %}
"""

_ERROR: Final = """{% extends "base.html" %}
{% block title %}Error{% endblock %}
{% block main %}
<h1>{{ heading }}</h1>
<div class="error" role="alert">{{ message }}</div>
<p><a href="/">Back to the scenarios</a></p>
{% endblock %}
"""


def environment() -> Environment:
    """The Jinja2 environment of the dashboard (autoescaping on)."""
    env = Environment(
        loader=DictLoader({"base.html": _BASE, "scenarios.html": _SCENARIOS,
                           "form.html": _FORM, "job.html": _JOB, "runs.html": _RUNS,
                           "compare.html": _COMPARE, "error.html": _ERROR}),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True, lstrip_blocks=True)
    env.globals["nav"] = NAV
    return env
