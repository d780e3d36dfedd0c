/**
 * The web page of `bai-agent serve`: one HTML document, one script, one style sheet, served as
 * they are (no build step). The script reads the access token from the URL fragment that
 * `serve` printed (the fragment never reaches a server or a Referer), keeps it in sessionStorage
 * and removes it from the address bar.
 *
 * Everything that comes from the manager or the planner is put into the page with textContent /
 * createElement, never parsed as markup; the Content-Security-Policy also forbids inline script.
 */

export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>bai-agent</title>
<link rel="stylesheet" href="/app.css">
<script src="/app.js" defer></script>
</head>
<body>
<header>
  <h1>bai-agent</h1>
  <span id="conn" class="conn">connecting…</span>
</header>
<main>
  <p id="notice" class="notice" role="alert" hidden></p>
  <form id="request-form" autocomplete="off">
    <label for="request">What should the cluster do?</label>
    <div class="row">
      <input id="request" name="request" type="text" maxlength="2000" placeholder="create a new session with 5 fGPU" required>
      <button id="preview-btn" type="submit">Preview</button>
    </div>
    <p class="hint">Nothing is written until you approve the plan. Read calls run while planning.</p>
  </form>
  <section id="plan-section" hidden>
    <h2>Plan</h2>
    <div id="preview"></div>
    <div id="confirm-box" class="confirm" hidden>
      <label id="confirm-label" for="confirm-input"></label>
      <input id="confirm-input" type="text" autocomplete="off">
    </div>
    <div class="actions">
      <button id="approve-btn" type="button" class="approve" hidden>Approve and run</button>
      <span id="approve-note" class="muted"></span>
    </div>
  </section>
  <section id="run-section" hidden>
    <h2>Progress</h2>
    <ol id="progress" class="progress"></ol>
    <h2>Result</h2>
    <div id="result"></div>
  </section>
</main>
</body>
</html>
`;

export const PAGE_CSS = `:root { color-scheme: light; --fg: #1d232b; --muted: #5d6975; --line: #d5dbe1; --accent: #1a64c8; --ok: #1d7a3a; --warn: #9a5b00; --bad: #b3261e; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: #f6f8fa; }
header { display: flex; align-items: baseline; gap: 16px; padding: 12px 24px; background: #101820; color: #fff; }
header h1 { margin: 0; font-size: 20px; }
.conn { color: #b9c4cf; font-size: 13px; }
main { max-width: 1040px; margin: 0 auto; padding: 16px 24px 48px; }
h2 { font-size: 16px; margin: 20px 0 8px; }
label { font-weight: 600; }
.row { display: flex; gap: 8px; margin-top: 6px; }
input[type=text] { flex: 1; padding: 8px 10px; font: inherit; border: 1px solid var(--line); border-radius: 6px; background: #fff; }
button { padding: 8px 16px; font: inherit; border-radius: 6px; border: 1px solid var(--accent); background: #fff; color: var(--accent); cursor: pointer; }
button[type=submit] { background: var(--accent); color: #fff; }
button:disabled { opacity: .55; cursor: default; }
button.approve { background: var(--ok); border-color: var(--ok); color: #fff; }
.hint, .muted { color: var(--muted); font-size: 13px; }
.notice { padding: 8px 12px; border-radius: 6px; background: #fdecea; color: var(--bad); }
.notice.info { background: #e8f0fb; color: var(--accent); }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 4px 16px 12px; margin-top: 16px; }
.plan-head { margin: 4px 0 0; font-weight: 600; }
.plan-meta { margin: 0 0 8px; color: var(--muted); font-size: 13px; }
.question { color: var(--warn); font-weight: 600; }
.refused, .error { color: var(--bad); font-weight: 600; }
ul.tree { list-style: none; margin: 8px 0; padding: 0 0 0 4px; }
ul.tree > li.step { position: relative; padding: 6px 0 8px 22px; border-left: 2px solid var(--line); }
ul.tree > li.step:last-child { border-left-color: transparent; }
ul.tree > li.step::before { content: ""; position: absolute; left: -2px; top: 0; width: 16px; height: 17px; border-left: 2px solid var(--line); border-bottom: 2px solid var(--line); border-bottom-left-radius: 6px; }
.step-line { display: flex; flex-wrap: wrap; align-items: baseline; gap: 8px; }
.step-id { font-weight: 700; color: var(--muted); }
.method { font: 600 12px ui-monospace, SFMono-Regular, Menlo, monospace; padding: 1px 6px; border-radius: 4px; background: #e8f0fb; color: var(--accent); }
.method.m-delete { background: #fdecea; color: var(--bad); }
.method.m-get { background: #e6f4ea; color: var(--ok); }
code, .path, .op { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 13px; }
.op { color: var(--muted); }
.badge { font-size: 12px; padding: 1px 8px; border-radius: 10px; border: 1px solid var(--line); }
.effect-write { border-color: var(--warn); color: var(--warn); }
.verdict-allow { border-color: var(--ok); color: var(--ok); }
.verdict-confirm { border-color: var(--warn); color: var(--warn); background: #fff7e6; }
.verdict-deny { border-color: var(--bad); color: #fff; background: var(--bad); }
.step-detail { margin: 2px 0; font-size: 14px; }
ul.args { list-style: none; margin: 4px 0; padding: 0; display: flex; flex-wrap: wrap; gap: 4px 8px; }
ul.args li { background: #f1f3f5; border-radius: 4px; padding: 1px 6px; font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; }
ul.assumptions { margin: 4px 0; padding-left: 18px; color: var(--muted); font-size: 13px; }
.plan-foot { color: var(--muted); font-size: 13px; margin: 6px 0; }
.confirm { margin: 8px 0; display: flex; flex-direction: column; gap: 6px; }
.actions { display: flex; align-items: center; gap: 12px; margin: 8px 0 4px; }
ol.progress { margin: 0; padding-left: 22px; font: 13px/1.6 ui-monospace, SFMono-Regular, Menlo, monospace; }
.outcome { font-weight: 700; }
.outcome.ok { color: var(--ok); }
.outcome.fail { color: var(--bad); }
table.outputs { border-collapse: collapse; margin: 6px 0; font-size: 14px; }
table.outputs th, table.outputs td { text-align: left; padding: 4px 12px 4px 0; border-bottom: 1px solid var(--line); }
td.status-RUNNING { color: var(--ok); font-weight: 700; }
details { margin: 4px 0; }
pre { background: #f1f3f5; padding: 8px; border-radius: 6px; overflow: auto; max-height: 320px; font-size: 12px; }
`;

// Plain ES2017 without template literals, so it can live inside this TypeScript string as is.
export const PAGE_JS = `'use strict';
(function () {
  var TOKEN_KEY = 'bai-agent-token';
  var current = null; // the previewed plan: Approve sends exactly this object back
  var $ = function (id) { return document.getElementById(id); };

  // Elements are built with text only: data from the manager is never parsed as markup.
  function el(tag, className, text, attrs) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (attrs) Object.keys(attrs).forEach(function (k) { node.setAttribute(k, String(attrs[k])); });
    return node;
  }
  function add(parent) {
    for (var i = 1; i < arguments.length; i++) if (arguments[i]) parent.appendChild(arguments[i]);
    return parent;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  function readToken() {
    var m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
    if (m) {
      var t = decodeURIComponent(m[1]);
      try { sessionStorage.setItem(TOKEN_KEY, t); } catch (e) { /* private mode: keep it in memory */ }
      history.replaceState(null, '', location.pathname + location.search); // out of the address bar and history
      return t;
    }
    try { return sessionStorage.getItem(TOKEN_KEY); } catch (e) { return null; }
  }
  var token = readToken();

  function notice(text, kind) {
    var n = $('notice');
    n.textContent = text || '';
    n.className = 'notice ' + (kind || '');
    n.hidden = !text;
  }
  var NEED_TOKEN = 'This page needs its access token: open it through the URL that "bai-agent serve" printed (it ends in #token=...).';

  async function api(method, path, body) {
    var headers = { Authorization: 'Bearer ' + token };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    var res = await fetch(path, { method: method, headers: headers, body: body === undefined ? undefined : JSON.stringify(body) });
    var data = null;
    try { data = await res.json(); } catch (e) { data = null; }
    if (res.status === 401) notice(NEED_TOKEN);
    return { status: res.status, data: data };
  }
  function errorText(r) {
    return (r.data && r.data.error && r.data.error.message) || ('the server answered ' + r.status);
  }

  function verdictText(step) {
    if (step.effect === 'read') return 'read';
    var v = step.policy && step.policy.verdict;
    return v === 'allow' ? 'allowed by policy' : v === 'confirm' ? 'needs confirmation' : 'DENIED by policy';
  }

  function renderStep(step, args) {
    var li = el('li', 'step', null, { 'data-step-id': step.id, 'data-effect': step.effect, 'data-verdict': step.policy.verdict });
    add(li, add(el('div', 'step-line'),
      el('span', 'step-id', step.id),
      el('span', 'method m-' + String(step.method).toLowerCase(), step.method),
      el('code', 'path', step.path),
      el('span', 'op', step.operationId),
      el('span', 'badge effect-' + step.effect, step.effect),
      step.effect === 'write' ? el('span', 'badge verdict verdict-' + step.policy.verdict, verdictText(step)) : null,
      step.planner === 'llm' ? el('span', 'badge by-llm', 'by LLM') : null));
    add(li, el('div', 'step-detail reason', step.reason));
    if (args && args.length) {
      var ul = el('ul', 'args');
      args.forEach(function (a) { add(ul, el('li', null, a)); });
      add(li, ul);
    }
    (step.refs || []).forEach(function (r) { add(li, el('div', 'step-detail', 'uses ' + r.from + '.' + r.path + ' for ' + r.at + (r.value !== undefined ? ' = ' + JSON.stringify(r.value) : ''))); });
    if (step.wait) add(li, el('div', 'step-detail', 'then waits until ' + step.wait.until + ' (up to ' + step.wait.timeoutSeconds + ' s)'));
    if (step.observation) add(li, el('div', 'step-detail observation', '\\u2192 ' + step.observation));
    if (step.effect === 'write' && step.policy.verdict !== 'confirm') add(li, el('div', 'step-detail', 'policy: ' + step.policy.reason));
    if (step.destructive) add(li, el('div', 'step-detail refused', 'destructive: you will be asked to type a confirmation'));
    if (step.assumptions && step.assumptions.length) {
      var as = el('ul', 'assumptions');
      step.assumptions.forEach(function (a) { add(as, el('li', null, 'assumes: ' + a)); });
      add(li, as);
    }
    return li;
  }

  function renderPlan(doc) {
    var box = $('preview');
    clear(box);
    $('confirm-box').hidden = true;
    $('confirm-input').value = '';
    $('approve-note').textContent = '';
    var approve = $('approve-btn');
    approve.hidden = true;
    approve.disabled = false;
    current = null;
    $('plan-section').hidden = false;
    var plan = doc.plan;
    if (!plan) {
      add(box, el('p', 'error', (doc.error && doc.error.message) || 'no plan came back'));
      return;
    }
    add(box, el('p', 'plan-head', 'Plan for: "' + plan.request + '"'));
    var route = plan.search && plan.search.route;
    var who = plan.planner.kind === 'llm' ? 'LLM ' + (plan.planner.model || '') : plan.planner.kind === 'hybrid'
      ? 'hybrid planner: ' + (route && route.planner === 'offline' ? 'planned offline' : 'asked LLM ' + (plan.planner.model || '')) + (route ? ' (' + route.why + ')' : '')
      : 'offline planner';
    add(box, el('p', 'plan-meta', who +
      ' \\u00b7 policy ' + plan.policy.name + ' \\u00b7 ' + (plan.endpoint === 'sandbox' ? 'sandbox manager (simulated)' : plan.endpoint)));
    if (plan.outcome === 'needs_clarification') {
      add(box, el('p', 'question', '? ' + (plan.question || 'More information is needed.')));
      return;
    }
    if (plan.outcome === 'refused') {
      add(box, el('p', 'refused', 'Refused: ' + (plan.refusal || '')));
      return;
    }
    var argsById = {};
    ((doc.preview && doc.preview.steps) || []).forEach(function (s) { argsById[s.id] = s.arguments; });
    var tree = el('ul', 'tree', null, { id: 'plan-tree' });
    plan.steps.forEach(function (s) { add(tree, renderStep(s, argsById[s.id])); });
    if (!plan.steps.length) add(box, el('p', 'muted', '(nothing to do)'));
    add(box, tree);
    var grounded = (plan.grounding || []).map(function (e) { return e.kind + ' ' + e.name + (e.source === 'plan' ? ' (created by ' + e.step + ')' : ''); });
    if (grounded.length) add(box, el('p', 'plan-foot', 'Checked on the manager: ' + grounded.join('; ')));
    var s = plan.search;
    add(box, el('p', 'plan-foot', 'Search: ' + s.nodesExpanded + ' nodes, ' + s.backtracks + ' backtracks' +
      (s.llmCalls ? ', ' + s.llmCalls + ' LLM calls' : '') + ', ' + s.elapsedMs + ' ms'));
    if (!plan.steps.length) return;
    var writes = plan.steps.filter(function (st) { return st.effect === 'write'; }).length;
    current = plan;
    approve.textContent = writes ? 'Approve and run (' + writes + ' write' + (writes === 1 ? '' : 's') + ')' : 'Run (read only)';
    approve.hidden = false;
  }

  function renderOutputs(box, outputs) {
    if (outputs.sessions && outputs.sessions.length) {
      var t = add(el('table', 'outputs sessions', null, { id: 'sessions' }), add(el('tr'), el('th', null, 'Session'), el('th', null, 'ID'), el('th', null, 'Status')));
      outputs.sessions.forEach(function (x) {
        add(t, add(el('tr', null, null, { 'data-session-id': x.id, 'data-status': x.status }), el('td', null, x.name), el('td', null, x.id), el('td', 'status-' + x.status, x.status)));
      });
      add(box, t);
    }
    (outputs.folders || []).forEach(function (f) { add(box, el('p', null, 'Folder ' + f.name + (f.id ? ' (' + f.id + ')' : '') + ' created.')); });
    (outputs.services || []).forEach(function (x) { add(box, el('p', null, 'Service ' + x.name + (x.id ? ' (' + x.id + ')' : '') + (x.endpoint ? ' at ' + x.endpoint : '') + ' created.')); });
  }

  function renderResult(doc) {
    var box = $('result');
    clear(box);
    var words = { executed: 'Done', refused: 'Refused by policy: nothing was written', execution_failed: 'Execution failed' };
    var outcome = doc.outcome || (doc.error && doc.error.kind) || 'failed';
    add(box, el('p', 'outcome ' + (doc.ok ? 'ok' : 'fail'), (words[outcome] || outcome) + ' (exit code ' + doc.exitCode + ')', { 'data-outcome': outcome }));
    if (doc.error) add(box, el('p', 'error', doc.error.message));
    var ex = doc.execution;
    if (!ex) return;
    if (ex.error) add(box, el('p', 'error', ex.error));
    renderOutputs(box, ex.outputs || {});
    (ex.results || []).forEach(function (r) {
      var d = add(el('details'), el('summary', null, r.id + ' ' + r.operationId + ': ' + r.status + (r.summary ? ' \\u2014 ' + r.summary : '')));
      if (r.error) add(d, el('p', 'error', r.error));
      if (r.data !== undefined) {
        var text = JSON.stringify(r.data, null, 2);
        add(d, el('pre', null, text.length > 20000 ? text.slice(0, 20000) + '\\n...' : text));
      }
      add(box, d);
    });
  }

  // Server-sent events over fetch (EventSource cannot send the Authorization header).
  async function follow(path, onEvent) {
    var res = await fetch(path, { headers: { Authorization: 'Bearer ' + token } });
    if (!res.ok || !res.body) throw new Error('progress stream answered ' + res.status);
    var reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    var buffer = '';
    for (;;) {
      var chunk = await reader.read();
      if (chunk.done) return;
      buffer += chunk.value;
      var end;
      while ((end = buffer.indexOf('\\n\\n')) >= 0) {
        var block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        var event = 'message', data = '';
        block.split('\\n').forEach(function (line) {
          if (line.indexOf('event: ') === 0) event = line.slice(7);
          else if (line.indexOf('data: ') === 0) data += line.slice(6);
        });
        if (data) onEvent(event, JSON.parse(data));
      }
    }
  }

  async function waitForResult(status) {
    for (;;) {
      var r = await api('GET', status);
      if (r.status !== 200) throw new Error(errorText(r));
      if (r.data.state === 'done') return r.data;
      await new Promise(function (ok) { setTimeout(ok, 1000); });
    }
  }

  async function approvePlan() {
    if (!current) return;
    var approve = $('approve-btn');
    approve.disabled = true;
    notice('');
    var body = { plan: current };
    if (!$('confirm-box').hidden) body.confirmation = $('confirm-input').value;
    var r = await api('POST', '/api/apply', body);
    if (r.status === 428) {
      $('confirm-label').textContent = errorText(r);
      $('confirm-box').hidden = false;
      $('confirm-input').focus();
      $('approve-note').textContent = 'type the confirmation, then approve again';
      approve.disabled = false;
      return;
    }
    if (r.status !== 202) {
      notice(errorText(r));
      approve.disabled = false;
      return;
    }
    approve.textContent = 'Approved';
    $('approve-note').textContent = 'running\\u2026';
    $('run-section').hidden = false;
    clear($('progress'));
    clear($('result'));
    var done = false;
    var onEvent = function (event, data) {
      if (event === 'progress') add($('progress'), el('li', null, data.line));
      if (event === 'result') { done = true; renderResult(data); }
    };
    try {
      await follow(r.data.events, onEvent);
    } catch (e) { /* the stream broke: ask for the outcome instead */ }
    if (!done) {
      try {
        var run = await waitForResult(r.data.status);
        clear($('progress'));
        run.lines.forEach(function (line) { onEvent('progress', { line: line }); });
        onEvent('result', run.result);
      } catch (e) { notice(String(e.message || e)); }
    }
    $('approve-note').textContent = '';
    current = null; // one approval runs one plan once
  }

  async function previewRequest(ev) {
    ev.preventDefault();
    var text = $('request').value.trim();
    if (!text) return;
    var btn = $('preview-btn');
    btn.disabled = true;
    btn.textContent = 'Planning\\u2026';
    notice('');
    try {
      var r = await api('POST', '/api/plan', { request: text });
      if (r.data && r.data.plan) renderPlan(r.data);
      else notice(errorText(r));
    } catch (e) {
      notice('could not reach bai-agent serve: ' + (e.message || e));
    } finally {
      btn.disabled = false;
      btn.textContent = 'Preview';
    }
  }

  async function start() {
    $('request-form').addEventListener('submit', previewRequest);
    $('approve-btn').addEventListener('click', function () { approvePlan().catch(function (e) { notice(String(e.message || e)); }); });
    if (!token) {
      notice(NEED_TOKEN);
      $('preview-btn').disabled = true;
      $('conn').textContent = 'no access token';
      return;
    }
    var r = await api('GET', '/api/info');
    if (r.status === 200) {
      $('conn').textContent = 'manager: ' + r.data.endpoint + ' \\u00b7 policy ' + r.data.policy + ' \\u00b7 planner ' + r.data.planner;
    } else {
      $('conn').textContent = 'not connected';
      $('preview-btn').disabled = r.status === 401;
    }
  }
  start().catch(function (e) { notice(String(e.message || e)); });
})();
`;
