// Handoff playground: plays the user's side of a handoff against this API's same-origin /playground/api endpoints
// (which act as a configured API client server-side, so the browser never holds an API key).
(() => {
  'use strict';

  const BASE = document.body.dataset.base || '/playground';
  const TYPING_THROTTLE_MS = 3000;
  const AGENT_TYPING_VISIBLE_MS = 5000;
  const EVENT_TYPES = [
    'handoff.queued', 'handoff.connected', 'agent.message', 'agent.typing',
    'message.delivered', 'message.failed', 'handoff.ended', 'handoff.failed',
  ];
  const DEFAULT_ATTRIBUTES = [['orderId', 'A-1001'], ['language', 'en']];
  const STORAGE_KEY = 'handoff.playground.form';

  const $ = (id) => document.getElementById(id);
  const ui = {
    client: $('client'), form: $('start-form'), queue: $('queue'), nickname: $('nickname'), firstName: $('first-name'),
    lastName: $('last-name'), userId: $('user-id'), attributes: $('attributes'), addAttribute: $('add-attribute'),
    botTranscript: $('bot-transcript'), start: $('start'), startError: $('start-error'),
    avatar: $('avatar'), title: $('chat-title'), meta: $('chat-meta'), status: $('status'), end: $('end'),
    transcript: $('transcript'), typing: $('typing'), typingText: $('typing-text'),
    composer: $('composer'), message: $('message'), send: $('send'),
    events: $('events'), eventCount: $('event-count'), attributeRow: $('attribute-row'),
  };

  let chat = null;

  // ---- helpers ---------------------------------------------------------------------------------------------------

  function el(tag, props = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props)) {
      if (value === undefined || value === null) continue;
      if (key === 'class') node.className = value;
      else if (key === 'text') node.textContent = value;
      else if (key === 'dataset') Object.assign(node.dataset, value);
      else node.setAttribute(key, value);
    }
    for (const child of children) if (child !== null && child !== undefined) node.append(child);
    return node;
  }

  function randomId(prefix) {
    const bytes = new Uint8Array(8);
    crypto.getRandomValues(bytes);
    return prefix + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  }

  const clock = (value, seconds = false) => new Date(value || Date.now())
    .toLocaleTimeString([], seconds ? { hour: '2-digit', minute: '2-digit', second: '2-digit' } : { hour: '2-digit', minute: '2-digit' });
  const initials = (name) => (name || '?').split(/\s+/).filter(Boolean).slice(0, 2).map((w) => w[0].toUpperCase()).join('') || '?';
  const humanize = (code) => String(code || '').replace(/[_-]+/g, ' ');

  async function api(method, path, body) {
    const headers = { 'X-Playground': '1', Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(`${BASE}/api${path}`, {
      method, headers, cache: 'no-store', body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
    if (!response.ok) {
      const error = new Error(describeProblem(response, json));
      error.status = response.status;
      error.problem = json;
      throw error;
    }
    return json;
  }

  function describeProblem(response, problem) {
    if (!problem) return `${response.status} ${response.statusText}`;
    const lines = [problem.detail || problem.title || `${response.status} ${response.statusText}`];
    for (const [field, messages] of Object.entries(problem.errors || {})) {
      lines.push(`• ${field}: ${[].concat(messages).join(' ')}`);
    }
    return lines.join('\n');
  }

  // ---- set-up form ---------------------------------------------------------------------------------------------------

  function addAttributeRow(key = '', value = '') {
    const row = ui.attributeRow.content.firstElementChild.cloneNode(true);
    row.querySelector('.key').value = key;
    row.querySelector('.value').value = value;
    row.querySelector('.remove').addEventListener('click', () => row.remove());
    ui.attributes.append(row);
    return row;
  }

  function readAttributes() {
    const attributes = {};
    for (const row of ui.attributes.querySelectorAll('.attribute')) {
      const key = row.querySelector('.key').value.trim();
      if (key) attributes[key] = row.querySelector('.value').value;
    }
    return attributes;
  }

  function readBotTranscript() {
    const entries = [];
    for (const raw of ui.botTranscript.value.split(/\r?\n/)) {
      const line = raw.trim();
      if (!line) continue;
      const match = /^(user|bot)\s*:\s*(.*)$/i.exec(line);
      if (match && match[2]) entries.push({ from: match[1].toLowerCase(), text: match[2] });
      else if (!match) entries.push({ from: 'bot', text: line });
    }
    return entries;
  }

  function saveForm() {
    try {
      localStorage.setItem(STORAGE_KEY, JSON.stringify({
        queue: ui.queue.value, nickname: ui.nickname.value, firstName: ui.firstName.value, lastName: ui.lastName.value,
        attributes: [...ui.attributes.querySelectorAll('.attribute')].map((row) => [row.querySelector('.key').value, row.querySelector('.value').value]),
        botTranscript: ui.botTranscript.value,
      }));
    } catch { /* storage unavailable */ }
  }

  function loadForm() {
    try { return JSON.parse(localStorage.getItem(STORAGE_KEY) || 'null'); } catch { return null; }
  }

  function setFormEnabled(enabled) {
    for (const node of ui.form.querySelectorAll('input, select, textarea, button')) node.disabled = !enabled;
  }

  async function loadSession() {
    try {
      const session = await api('GET', '/session');
      ui.client.replaceChildren('acting as API client ', el('b', { text: session.client }));
    } catch {
      ui.client.textContent = '';
    }
  }

  async function loadChannels() {
    try {
      const channels = await api('GET', '/channels');
      const groups = channels
        .filter((c) => c.queues.length > 0)
        .map((c) => el('optgroup', { label: c.name }, ...c.queues.map((q) =>
          el('option', { value: `${c.name}/${q}`, dataset: { channel: c.name, queue: q }, text: q }))));
      if (groups.length === 0) {
        ui.queue.replaceChildren(el('option', { value: '', text: 'No queue configured' }));
        return;
      }
      ui.queue.replaceChildren(...groups);
      const saved = loadForm();
      const options = [...ui.queue.options];
      const preferred = options.find((o) => saved && o.value === saved.queue)
        || options.find((o) => o.dataset.channel === 'genesys') || options[0];
      ui.queue.value = preferred.value;
    } catch (error) {
      ui.queue.replaceChildren(el('option', { value: '', text: 'Could not load queues' }));
      ui.startError.textContent = `GET /v1/channels failed: ${error.message}`;
    }
  }

  // ---- chat rendering ------------------------------------------------------------------------------------------------

  function scrollToEnd(force) {
    const t = ui.transcript;
    if (force || t.scrollHeight - t.scrollTop - t.clientHeight < 120) t.scrollTop = t.scrollHeight;
  }

  function append(node, force = false) {
    ui.transcript.append(node);
    scrollToEnd(force);
    return node;
  }

  function systemLine(text, kind = '') {
    return append(el('div', { class: `msg system ${kind}`.trim(), dataset: { kind } }, el('span', { class: 'text', text })));
  }

  function historyBubble(entry) {
    return append(el('div', { class: `msg history from-${entry.from}` },
      el('div', { class: 'bubble', text: entry.text }),
      el('div', { class: 'info' }, el('span', { text: entry.from === 'bot' ? 'Bot' : 'You, to the bot' }))));
  }

  function userBubble(id, text) {
    const receipt = el('span', { class: 'receipt', dataset: { state: 'sending' }, text: 'Sending…' });
    return append(el('div', { class: 'msg user', dataset: { messageId: id } },
      el('div', { class: 'bubble', text }),
      el('div', { class: 'info' }, el('span', { text: clock() }), receipt)), true);
  }

  function agentBubble(data, time) {
    const name = agentName(data);
    return append(el('div', { class: 'msg agent', dataset: { messageId: data.messageId || '' } },
      el('div', { class: 'bubble', text: data.text || '' }),
      el('div', { class: 'info' }, el('span', { class: 'name', text: name }), el('span', { text: clock(time) }))));
  }

  function setReceipt(messageId, state, text, title) {
    const bubble = [...ui.transcript.querySelectorAll('.msg.user')].find((m) => m.dataset.messageId === messageId);
    if (!bubble) return;
    const receipt = bubble.querySelector('.receipt');
    const current = receipt.dataset.state;
    if (state === 'sent' && current !== 'sending') return; // the receipt event beat the POST answer
    if (current === 'delivered' && state !== 'failed') return;
    receipt.dataset.state = state;
    receipt.textContent = text;
    receipt.title = title || '';
    bubble.classList.toggle('failed', state === 'failed');
  }

  function setStatus(status, text) {
    ui.status.dataset.status = status;
    ui.status.textContent = text;
  }

  const agentName = (data) => (data && data.agent && data.agent.displayName) || (chat && chat.agent) || 'Agent';

  function showTyping(name) {
    ui.typingText.textContent = `${name} is typing…`;
    ui.typing.hidden = false;
    clearTimeout(chat.typingTimer);
    chat.typingTimer = setTimeout(hideTyping, AGENT_TYPING_VISIBLE_MS);
    scrollToEnd(false);
  }

  function hideTyping() {
    if (chat) clearTimeout(chat.typingTimer);
    ui.typing.hidden = true;
  }

  function logEvent(seq, type, data, time) {
    const item = el('li', { dataset: { type, seq: String(seq) } },
      el('div', { class: 'head' },
        el('span', { class: 'seq', text: `#${seq}` }),
        el('span', { class: 'type', text: type }),
        el('span', { class: 'time', text: clock(time, true) })),
      el('pre', { text: JSON.stringify(data) }));
    ui.events.append(item);
    ui.eventCount.textContent = String(ui.events.children.length);
    ui.events.scrollTop = ui.events.scrollHeight;
  }

  function setComposerEnabled(enabled) {
    ui.message.disabled = !enabled;
    ui.send.disabled = !enabled;
    ui.message.placeholder = enabled ? 'Type a message… (Enter sends, Shift+Enter adds a line)' : (chat ? 'The chat has ended' : 'Start a handoff to chat');
  }

  // ---- the handoff ---------------------------------------------------------------------------------------------------

  async function start(event) {
    event.preventDefault();
    const option = ui.queue.selectedOptions[0];
    if (!option || !option.dataset.queue) {
      ui.startError.textContent = 'Pick a queue first.';
      return;
    }

    const user = { id: ui.userId.value.trim() || randomId('playground-') };
    for (const [field, input] of [['nickname', ui.nickname], ['firstName', ui.firstName], ['lastName', ui.lastName]]) {
      if (input.value.trim()) user[field] = input.value.trim();
    }
    const transcript = readBotTranscript();
    const body = { channel: option.dataset.channel, queue: option.dataset.queue, user, transcript, attributes: readAttributes() };

    ui.startError.textContent = '';
    saveForm();
    setFormEnabled(false);
    setStatus('starting', 'Starting…');
    let handoff;
    try {
      handoff = await api('POST', '/handoffs', body);
    } catch (error) {
      setFormEnabled(true);
      setStatus(chat ? ui.status.dataset.status : 'idle', chat ? ui.status.textContent : 'Not started');
      ui.startError.textContent = error.status === 409 && error.problem && error.problem.handoffId
        ? `${error.problem.detail}\nUse another user id, or end that handoff first.`
        : error.message;
      return;
    }

    if (chat) closeEvents();
    chat = { handoff, agent: null, source: null, lastSeq: 0, finished: false, lastTypingAt: 0, typingTimer: null, endTimer: null };
    ui.transcript.replaceChildren();
    ui.events.replaceChildren();
    ui.eventCount.textContent = '0';
    hideTyping();

    ui.title.textContent = handoff.queue;
    ui.meta.textContent = `${handoff.channel} · ${handoff.id} · ${handoff.user.nickname || handoff.user.firstName || handoff.user.id}`;
    ui.avatar.textContent = initials(handoff.queue);
    ui.avatar.classList.remove('agent');
    setStatus('starting', 'Connecting…');

    if (transcript.length > 0) {
      systemLine('With the bot', 'section');
      transcript.forEach(historyBubble);
      systemLine('Handed over to a person', 'section');
    }

    ui.start.textContent = 'Handoff in progress';
    ui.end.disabled = false;
    setComposerEnabled(true);
    ui.message.focus();
    openEvents();
  }

  function openEvents() {
    const current = chat;
    const source = new EventSource(`${BASE}/api/handoffs/${encodeURIComponent(current.handoff.id)}/events`);
    current.source = source;
    source.onopen = () => ui.status.classList.remove('reconnecting');
    source.onerror = () => {
      if (chat === current && !current.finished) ui.status.classList.add('reconnecting');
    };
    for (const type of EVENT_TYPES) {
      source.addEventListener(type, (message) => {
        if (chat === current) onEvent(message);
      });
    }
  }

  function closeEvents() {
    if (chat && chat.source) {
      chat.source.close();
      chat.source = null;
    }
    ui.status.classList.remove('reconnecting');
  }

  function onEvent(message) {
    const seq = Number(message.lastEventId) || 0;
    if (seq && seq <= chat.lastSeq) return;
    if (seq) chat.lastSeq = seq;
    let data = {};
    try { data = JSON.parse(message.data); } catch { /* keep {} */ }
    const time = data.time;
    logEvent(seq, message.type, data, time);

    switch (message.type) {
      case 'handoff.queued':
        if (chat.finished) break;
        if (ui.status.dataset.status !== 'connected') setStatus('queued', 'Waiting for an agent');
        systemLine(`Waiting for an agent in ${data.queue || chat.handoff.queue}…`, 'queued');
        break;
      case 'handoff.connected': {
        const name = agentName(data);
        chat.agent = name;
        ui.title.textContent = name;
        ui.avatar.textContent = initials(name);
        ui.avatar.classList.add('agent');
        if (!chat.finished) setStatus('connected', 'Connected');
        systemLine(`${name} joined`, 'connected');
        break;
      }
      case 'agent.message':
        chat.agent = agentName(data);
        hideTyping();
        agentBubble(data);
        break;
      case 'agent.typing':
        if (!chat.finished) showTyping(agentName(data));
        break;
      case 'message.delivered':
        setReceipt(data.messageId, 'delivered', '✓ Delivered');
        break;
      case 'message.failed':
        setReceipt(data.messageId, 'failed', `Not delivered: ${humanize(data.reason)}`, data.reason);
        break;
      case 'handoff.ended':
        finish('ended', endedText(data.endedBy, data.reason));
        break;
      case 'handoff.failed':
        finish('failed', `Handoff failed: ${humanize(data.reason) || 'the contact center refused it'}`);
        break;
      default:
        break;
    }
  }

  function endedText(endedBy, reason) {
    const who = endedBy === 'user' ? 'you' : endedBy === 'agent' ? (chat.agent || 'the agent') : humanize(endedBy || 'the system');
    return `Chat ended by ${who}${reason ? ` · ${humanize(reason)}` : ''}`;
  }

  function finish(kind, text) {
    if (!chat || chat.finished) return;
    chat.finished = true;
    clearTimeout(chat.endTimer);
    hideTyping();
    systemLine(text, kind);
    setStatus(kind, kind === 'failed' ? 'Failed' : 'Ended');
    ui.end.disabled = true;
    setComposerEnabled(false);
    ui.start.textContent = 'Start a new handoff';
    setFormEnabled(true);
    // Let events already on the wire (e.g. a late receipt) land, then stop following.
    const source = chat.source;
    setTimeout(() => { if (source) source.close(); }, 1500);
  }

  async function send(event) {
    if (event) event.preventDefault();
    const text = ui.message.value;
    if (!chat || chat.finished || !text.trim()) return;
    const id = randomId('pm_');
    ui.message.value = '';
    autosize();
    chat.lastTypingAt = 0;
    userBubble(id, text);
    try {
      const accepted = await api('POST', `/handoffs/${encodeURIComponent(chat.handoff.id)}/messages`, { id, text });
      setReceipt(id, accepted.status === 'failed' ? 'failed' : 'sent', accepted.status === 'failed' ? 'Not delivered' : 'Sent');
    } catch (error) {
      setReceipt(id, 'failed', error.status === 409 ? 'Not sent: the chat has ended' : 'Not sent', error.message);
    }
    ui.message.focus();
  }

  function typing() {
    autosize();
    if (!chat || chat.finished || !ui.message.value.trim()) return;
    const now = Date.now();
    if (now - chat.lastTypingAt < TYPING_THROTTLE_MS) return;
    chat.lastTypingAt = now;
    const current = chat;
    api('POST', `/handoffs/${encodeURIComponent(current.handoff.id)}/typing`).catch(() => { current.lastTypingAt = 0; });
  }

  async function end() {
    if (!chat || chat.finished) return;
    const current = chat;
    ui.end.disabled = true;
    setComposerEnabled(false);
    try {
      const ended = await api('POST', `/handoffs/${encodeURIComponent(current.handoff.id)}/end`, { reason: 'user_ended' });
      // The handoff.ended event normally says it first; fall back to the answer if the stream is slow.
      current.endTimer = setTimeout(() => {
        if (chat === current) finish(ended.status === 'failed' ? 'failed' : 'ended', endedText(ended.endedBy, ended.endReason));
      }, 2000);
    } catch (error) {
      if (chat === current && !current.finished) {
        ui.end.disabled = false;
        setComposerEnabled(true);
        systemLine(`Could not end the chat: ${error.message}`, 'failed');
      }
    }
  }

  function autosize() {
    ui.message.style.height = 'auto';
    ui.message.style.height = `${Math.min(ui.message.scrollHeight + 2, 140)}px`;
  }

  // ---- wiring ----------------------------------------------------------------------------------------------------------

  ui.form.addEventListener('submit', start);
  ui.addAttribute.addEventListener('click', () => addAttributeRow().querySelector('.key').focus());
  ui.composer.addEventListener('submit', send);
  ui.message.addEventListener('input', typing);
  ui.message.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) send(event);
  });
  ui.end.addEventListener('click', end);

  const saved = loadForm();
  ui.userId.value = randomId('playground-');
  if (saved) {
    ui.nickname.value = saved.nickname || '';
    ui.firstName.value = saved.firstName || '';
    ui.lastName.value = saved.lastName || '';
    if (typeof saved.botTranscript === 'string') ui.botTranscript.value = saved.botTranscript;
  }
  ((saved && Array.isArray(saved.attributes)) ? saved.attributes : DEFAULT_ATTRIBUTES).forEach(([k, v]) => addAttributeRow(k, v));
  setComposerEnabled(false);
  loadSession();
  loadChannels();
})();
