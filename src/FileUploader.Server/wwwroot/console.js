// The workflow view: the local counterpart of the AWS console's graph. It talks to the same
// Step Functions-compatible endpoint the AWS CLI uses (POST / with X-Amz-Target), so it shows exactly
// what any Step Functions client would see.
'use strict';

(() => {
  const REFRESH_MS = 1000;
  const $ = id => document.getElementById(id);

  async function sfn(action, body) {
    const response = await fetch('/', {
      method: 'POST',
      headers: { 'X-Amz-Target': `AWSStepFunctions.${action}`, 'Content-Type': 'application/x-amz-json-1.0' },
      body: JSON.stringify(body || {}),
    });
    const json = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(json.message || json.Message || `${action} failed (${response.status})`);
    return json;
  }

  const toDate = value => (typeof value === 'number' ? new Date(value * 1000) : new Date(value));
  const duration = (start, stop) => {
    const ms = (stop ? toDate(stop) : new Date()) - toDate(start);
    return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
  };
  const pretty = text => {
    if (text === undefined || text === null) return '';
    try { return JSON.stringify(JSON.parse(text), null, 2); } catch { return String(text); }
  };

  let selectedMachine = null;
  let selectedExecution = null;
  let refreshTimer = null;

  // --- Lists ---
  async function loadMachines() {
    const { stateMachines = [] } = await sfn('ListStateMachines', { maxResults: 100 });
    const list = $('machines');
    list.replaceChildren(...stateMachines.map(machine => {
      const item = document.createElement('li');
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = machine.name;
      button.setAttribute('aria-current', String(machine.stateMachineArn === selectedMachine));
      button.addEventListener('click', () => { location.hash = `#/machine/${encodeURIComponent(machine.stateMachineArn)}`; });
      item.append(button);
      return item;
    }));
  }

  async function loadExecutions(machineArn) {
    const { executions = [] } = await sfn('ListExecutions', { stateMachineArn: machineArn, maxResults: 100 });
    $('machine-name').textContent = machineArn.split(':').pop();
    $('executions').tBodies[0].replaceChildren(...executions.map(execution => {
      const row = document.createElement('tr');
      row.tabIndex = 0;
      row.setAttribute('aria-selected', String(execution.executionArn === selectedExecution));
      const open = () => { location.hash = `#/execution/${encodeURIComponent(execution.executionArn)}`; };
      row.addEventListener('click', open);
      row.addEventListener('keydown', event => { if (event.key === 'Enter' || event.key === ' ') { event.preventDefault(); open(); } });
      const status = document.createElement('span');
      status.className = `status ${execution.status}`;
      status.textContent = execution.status;
      const cells = [execution.name, status, toDate(execution.startDate).toLocaleString(), duration(execution.startDate, execution.stopDate)];
      row.replaceChildren(...cells.map(value => {
        const cell = document.createElement('td');
        cell.append(value);
        return cell;
      }));
      return row;
    }));
  }

  // --- What happened to each state, from the history ---
  function statesFromHistory(events) {
    const states = new Map();
    const get = name => {
      if (!states.has(name)) states.set(name, { status: 'running', entered: 0, failures: 0, input: null, output: null });
      return states.get(name);
    };
    const open = []; // states entered and not yet exited, innermost last
    let exitedFailed = null;
    for (const event of events) {
      const type = event.type;
      if (type.endsWith('StateEntered')) {
        const details = event.stateEnteredEventDetails || {};
        // A state entered after a sibling failed without exiting: that sibling's error was caught.
        const failedOpen = open.length ? get(open[open.length - 1]) : null;
        if (failedOpen && failedOpen.status === 'failed' && !isContainer(open[open.length - 1])) {
          failedOpen.status = 'caught';
          open.pop();
        }
        // Likewise a state that exited failed (a Catch moves on after the exit event): execution went on.
        if (exitedFailed) { exitedFailed.status = 'caught'; exitedFailed = null; }
        const state = get(details.name);
        state.entered++;
        state.status = 'running';
        state.input = details.input;
        open.push(details.name);
        if (type === 'FailStateEntered') state.status = 'failed';
      } else if (type.endsWith('StateExited')) {
        const details = event.stateExitedEventDetails || {};
        const state = get(details.name);
        state.output = details.output;
        if (state.status === 'failed' && type !== 'FailStateExited') {
          exitedFailed = state;
        } else if (type !== 'FailStateExited') {
          state.status = state.failures > 0 ? 'retried' : 'succeeded';
        }
        const index = open.lastIndexOf(details.name);
        if (index >= 0) open.splice(index, 1);
      } else if (/(Failed|TimedOut)$/.test(type) && !type.startsWith('Execution') && !type.startsWith('MapIteration') && open.length) {
        const state = get(open[open.length - 1]);
        state.failures++;
        state.status = 'failed';
      } else if (/Scheduled$/.test(type) && open.length) {
        const state = get(open[open.length - 1]);
        if (state.failures > 0) state.status = 'running';
      }
    }
    return states;
  }

  let containerNames = new Set();
  const isContainer = name => containerNames.has(name);

  // --- The graph, drawn from the ASL definition ---
  function renderGraph(definition, states) {
    containerNames = new Set();
    const graph = $('graph');
    graph.replaceChildren(renderGroup(definition, states));
    requestAnimationFrame(() => graph.querySelectorAll('.group').forEach(drawEdges));
  }

  // Rows by distance from StartAt along the normal path first, so the happy path reads top to bottom;
  // states reached only through a Catch (compensation) are placed after, beside the state they rescue.
  function orderByLevel(definition) {
    const levels = new Map();
    const walk = (queue, includeCatch) => {
      while (queue.length) {
        const [name, level] = queue.shift();
        if (!definition.States[name] || levels.has(name)) continue;
        levels.set(name, level);
        for (const target of transitions(definition.States[name])) {
          if (includeCatch || !target.catch) queue.push([target.to, level + 1]);
        }
      }
    };
    walk([[definition.StartAt, 0]], false);
    const rescued = [];
    for (const [name, level] of levels) {
      transitions(definition.States[name]).filter(t => t.catch).forEach(t => rescued.push([t.to, level + 1]));
    }
    walk(rescued, true);
    Object.keys(definition.States).forEach(name => { if (!levels.has(name)) levels.set(name, levels.size); });
    const rows = [];
    for (const [name, level] of levels) (rows[level] = rows[level] || []).push(name);
    return rows.filter(Boolean);
  }

  function transitions(state) {
    const out = [];
    if (state.Next) out.push({ to: state.Next });
    (state.Choices || []).forEach(choice => choice.Next && out.push({ to: choice.Next }));
    if (state.Default) out.push({ to: state.Default });
    (state.Catch || []).forEach(c => c.Next && out.push({ to: c.Next, catch: true }));
    return out;
  }

  function renderGroup(definition, states) {
    const group = document.createElement('div');
    group.className = 'group';
    group.edges = [];
    const nodes = new Map();
    for (const row of orderByLevel(definition)) {
      const rowElement = document.createElement('div');
      rowElement.className = 'row';
      for (const name of row) {
        const node = renderState(name, definition.States[name], states);
        nodes.set(name, node);
        rowElement.append(node);
      }
      group.append(rowElement);
    }
    for (const [name, node] of nodes) {
      for (const target of transitions(definition.States[name])) {
        if (nodes.has(target.to)) group.edges.push({ from: node, to: nodes.get(target.to), catch: !!target.catch });
      }
    }
    return group;
  }

  function renderState(name, state, states) {
    const record = states.get(name);
    const button = document.createElement('button');
    button.type = 'button';
    button.className = `state ${record ? record.status : ''}`;
    button.dataset.state = name;
    const title = document.createElement('span');
    title.textContent = name;
    const type = document.createElement('span');
    type.className = 'type';
    type.textContent = state.Type + (record && record.failures && record.status === 'retried' ? ` · retried ×${record.failures}` : '');
    button.append(title, type);
    button.setAttribute('aria-label', `${name}, ${state.Type}, ${record ? record.status : 'not run'}`);
    button.addEventListener('click', () => showDetail(name, record));

    const branches = state.Type === 'Parallel' ? state.Branches : state.Type === 'Map' ? [state.ItemProcessor || state.Iterator] : null;
    if (!branches) return button;
    containerNames.add(name);
    const box = document.createElement('div');
    box.className = 'container-state';
    box.dataset.container = name;
    const inner = document.createElement('div');
    inner.className = 'branches';
    branches.filter(Boolean).forEach(branch => inner.append(renderGroup(branch, states)));
    box.append(button, inner);
    return box;
  }

  function drawEdges(group) {
    const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    svg.classList.add('edges');
    const origin = group.getBoundingClientRect();
    for (const edge of group.edges || []) {
      const a = edge.from.getBoundingClientRect();
      const b = edge.to.getBoundingClientRect();
      const line = document.createElementNS('http://www.w3.org/2000/svg', 'line');
      line.setAttribute('x1', a.left + a.width / 2 - origin.left);
      line.setAttribute('y1', a.bottom - origin.top);
      line.setAttribute('x2', b.left + b.width / 2 - origin.left);
      line.setAttribute('y2', b.top - origin.top);
      if (edge.catch) line.classList.add('catch');
      svg.append(line);
    }
    group.prepend(svg);
  }

  function showDetail(name, record) {
    $('state-detail').hidden = false;
    $('state-detail-name').textContent = `${name}${record ? ` — ${record.status}` : ' — not run'}`;
    $('state-input').textContent = record ? pretty(record.input) : '';
    $('state-output').textContent = record ? pretty(record.output) : '';
  }

  // --- One execution ---
  async function loadExecution(executionArn) {
    const execution = await sfn('DescribeExecution', { executionArn });
    const machine = await sfn('DescribeStateMachine', { stateMachineArn: execution.stateMachineArn });
    const events = [];
    let nextToken;
    do {
      const page = await sfn('GetExecutionHistory', { executionArn, maxResults: 1000, nextToken });
      events.push(...(page.events || []));
      nextToken = page.nextToken;
    } while (nextToken);

    $('execution').hidden = false;
    if ($('execution-name').textContent !== execution.name) $('state-detail').hidden = true; // another execution
    $('execution-name').textContent = execution.name;
    const status = $('execution-status');
    status.textContent = execution.status;
    status.className = `status ${execution.status}`;
    const error = $('execution-error');
    error.hidden = !execution.error;
    error.textContent = execution.error ? `${execution.error}: ${execution.cause || ''}` : '';

    renderGraph(JSON.parse(machine.definition), statesFromHistory(events));
    $('history').tBodies[0].replaceChildren(...events.map(event => {
      const row = document.createElement('tr');
      const details = event.stateEnteredEventDetails || event.stateExitedEventDetails || {};
      [event.id, event.type, details.name || '', toDate(event.timestamp).toLocaleTimeString()].forEach(value => {
        const cell = document.createElement('td');
        cell.textContent = value;
        row.append(cell);
      });
      return row;
    }));
    return execution;
  }

  // --- Routing: #/machine/ARN and #/execution/ARN, so a view can be linked and reloaded ---
  async function route() {
    clearTimeout(refreshTimer);
    const [, kind, arn] = location.hash.match(/^#\/(machine|execution)\/(.+)$/) || [];
    try {
      if (kind === 'execution') {
        selectedExecution = decodeURIComponent(arn);
        const execution = await loadExecution(selectedExecution);
        selectedMachine = execution.stateMachineArn;
        await Promise.all([loadMachines(), loadExecutions(selectedMachine)]);
        if (execution.status === 'RUNNING') refreshTimer = setTimeout(route, REFRESH_MS); // live while it runs
      } else {
        selectedExecution = null;
        $('execution').hidden = true;
        await loadMachines();
        if (kind === 'machine') selectedMachine = decodeURIComponent(arn);
        if (!selectedMachine) {
          const first = document.querySelector('#machines button');
          if (first) { first.click(); return; }
        }
        if (selectedMachine) {
          await Promise.all([loadMachines(), loadExecutions(selectedMachine)]);
          refreshTimer = setTimeout(route, REFRESH_MS * 3);
        }
      }
    } catch (e) {
      const error = $('execution-error');
      error.hidden = false;
      error.textContent = e.message;
    }
  }

  window.addEventListener('hashchange', route);
  route();
})();
