// The upload page. Uses the same two-step protocol as the CLI and AWS clients: announce the upload
// (POST /uploads), send the bytes where the answer says (a signed PUT here, a pre-signed S3 POST in AWS),
// then poll GET /uploads/{id} until the workflow has issued the link.
'use strict';

(() => {
  const STORAGE_KEY = 'fileuploader.uploads';
  const POLL_MS = 150;
  const INFO_REFRESH_MS = 4000;

  document.documentElement.classList.add('js');
  const form = document.getElementById('upload-form');
  const input = document.getElementById('file-input');
  const dropZone = document.getElementById('drop-zone');
  const list = document.getElementById('uploads');
  const template = document.getElementById('upload-item');
  const announcer = document.getElementById('announcer');
  const expiresIn = document.getElementById('expires-in');
  const maxDownloads = document.getElementById('max-downloads');
  document.getElementById('submit-button').hidden = true; // uploads start as soon as files are chosen

  const announce = text => { announcer.textContent = text; };

  class ApiError extends Error {
    constructor(status, error, message) { super(message); this.status = status; this.error = error; }
  }

  async function api(method, path, body, headers) {
    const response = await fetch(path, {
      method,
      headers: { ...(body ? { 'Content-Type': 'application/json' } : {}), ...(headers || {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch { /* not JSON: described below */ }
    if (!response.ok) {
      throw new ApiError(response.status, json && json.error,
        (json && json.message) || `The server answered ${response.status} ${response.statusText}.`);
    }
    return json;
  }

  // --- Remembered uploads (the delete token never leaves this browser except to revoke) ---
  const loadSaved = () => { try { return JSON.parse(localStorage.getItem(STORAGE_KEY)) || []; } catch { return []; } };
  const saveAll = items => localStorage.setItem(STORAGE_KEY, JSON.stringify(items));
  const remember = record => saveAll([record, ...loadSaved().filter(r => r.fileId !== record.fileId)]);
  const forget = fileId => saveAll(loadSaved().filter(r => r.fileId !== fileId));

  // --- Formatting ---
  const formatBytes = bytes => {
    const units = ['B', 'KB', 'MB', 'GB', 'TB'];
    let value = bytes, unit = 0;
    while (value >= 1000 && unit < units.length - 1) { value /= 1000; unit++; }
    return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
  };
  const formatDuration = seconds => {
    seconds = Math.max(0, Math.round(seconds));
    const h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    if (h > 0) return `${h}h ${m}m`;
    if (m > 0) return `${m}m ${String(s).padStart(2, '0')}s`;
    return `${s}s`;
  };

  // --- One row per file ---
  function createItem(name, size) {
    const node = template.content.firstElementChild.cloneNode(true);
    node.querySelector('.name').textContent = name;
    node.querySelector('.size').textContent = formatBytes(size);
    const linkId = `link-${Math.random().toString(36).slice(2)}`;
    node.querySelector('.link-row label').htmlFor = linkId;
    node.querySelector('.share-link').id = linkId;
    list.prepend(node);
    return node;
  }

  function showError(node, message) {
    const error = node.querySelector('.error');
    error.textContent = message;
    error.hidden = false;
    node.classList.add('failed');
    node.querySelector('.cancel').hidden = true;
    node.querySelector('.progress-row').hidden = true;
    announce(`${node.querySelector('.name').textContent}: ${message}`);
  }

  function showResult(node, record) {
    node.classList.add('done');
    node.dataset.fileId = record.fileId;
    node.querySelector('.result').hidden = false;
    const link = node.querySelector('.share-link');
    link.value = record.shareUrl;
    const qr = node.querySelector('.qr');
    qr.src = `/files/${encodeURIComponent(record.fileId)}/qr.svg`;
    qr.alt = `QR code of the share link for ${record.fileName}`;
    node.querySelector('.copy').addEventListener('click', async () => {
      try { await navigator.clipboard.writeText(record.shareUrl); }
      catch { link.select(); document.execCommand('copy'); }
      node.querySelector('.copy').textContent = 'Copied';
      announce('Link copied');
      setTimeout(() => { node.querySelector('.copy').textContent = 'Copy link'; }, 2000);
    });
    const revoke = node.querySelector('.revoke');
    revoke.hidden = !record.deleteToken;
    revoke.addEventListener('click', async () => {
      if (!confirm(`Delete ${record.fileName} now? The link stops working at once.`)) return;
      revoke.disabled = true;
      try {
        await api('DELETE', `/files/${encodeURIComponent(record.fileId)}`, null, { 'X-Delete-Token': record.deleteToken });
        markGone(node, 'revoked', 'Revoked');
        forget(record.fileId);
        announce(`${record.fileName} revoked`);
      } catch (e) {
        revoke.disabled = false;
        showError(node, e.message);
      }
    });
    node.expiresAt = Date.parse(record.expiresAt);
    tick(node);
    refreshInfo(node);
  }

  function markGone(node, cssClass, text) {
    node.classList.add(cssClass);
    node.gone = true;
    node.querySelector('.countdown').textContent = text;
    node.querySelector('.revoke').hidden = true;
    node.querySelector('.share-link').disabled = true;
  }

  function tick(node) {
    if (node.gone || !node.expiresAt) return;
    const left = (node.expiresAt - Date.now()) / 1000;
    if (left <= 0) { markGone(node, 'expired', 'Expired'); return; }
    node.querySelector('.countdown').textContent = `in ${formatDuration(left)}`;
  }

  async function refreshInfo(node) {
    if (node.gone) return;
    try {
      const info = await api('GET', `/files/${encodeURIComponent(node.dataset.fileId)}/info`);
      const limit = info.maxDownloads ? ` of ${info.maxDownloads}` : '';
      node.querySelector('.count').textContent = `${info.downloadCount}${limit}`;
      if (info.status && info.status.toLowerCase() === 'revoked') markGone(node, 'revoked', 'Revoked');
    } catch (e) {
      if (e.status === 410) markGone(node, 'expired', 'Expired');
      else if (e.status === 404) markGone(node, 'revoked', 'Gone');
    }
  }

  setInterval(() => list.querySelectorAll('.upload.done').forEach(tick), 1000);
  setInterval(() => list.querySelectorAll('.upload.done').forEach(refreshInfo), INFO_REFRESH_MS);
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) list.querySelectorAll('.upload.done').forEach(refreshInfo);
  });

  // --- Sending the bytes, with progress, speed, time left and cancel ---
  function sendBytes(target, file, node) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      const method = (target.method || 'PUT').toUpperCase();
      xhr.open(method, target.uploadUrl);
      const bar = node.querySelector('progress');
      const text = node.querySelector('.progress-text');
      const started = performance.now();
      xhr.upload.onprogress = event => {
        const total = event.lengthComputable ? event.total : file.size;
        const percent = total ? Math.floor((event.loaded / total) * 100) : 0;
        const seconds = (performance.now() - started) / 1000;
        const speed = seconds > 0 ? event.loaded / seconds : 0;
        const left = speed > 0 ? (total - event.loaded) / speed : 0;
        bar.value = percent;
        text.textContent = `${percent}% · ${formatBytes(speed)}/s · ${formatDuration(left)} left`;
      };
      xhr.onload = () => {
        if (xhr.status >= 200 && xhr.status < 300) { resolve(); return; }
        let message = `The server answered ${xhr.status}.`;
        try { message = JSON.parse(xhr.responseText).message || message; } catch { /* S3 answers XML */ }
        reject(new Error(message));
      };
      xhr.onerror = () => reject(new Error('The connection to the server was lost.'));
      xhr.onabort = () => reject(new Error('Cancelled.'));
      node.cancel = () => xhr.abort();
      if (method === 'POST') {
        // An S3 pre-signed POST: policy fields first, the file last.
        const body = new FormData();
        Object.entries(target.fields || {}).forEach(([k, v]) => body.append(k, v));
        body.append('file', file);
        xhr.send(body);
      } else {
        xhr.setRequestHeader('Content-Type', file.type || 'application/octet-stream');
        xhr.send(file);
      }
    });
  }

  async function waitForLink(uploadId, node) {
    node.querySelector('.progress-text').textContent = 'Checking and storing…';
    for (;;) {
      if (node.cancelled) throw new Error('Cancelled.');
      const status = await api('GET', `/uploads/${encodeURIComponent(uploadId)}`);
      if (status.status === 'available') return status;
      if (status.status === 'rejected' || status.status === 'failed') {
        throw new Error(status.message || `The upload was ${status.status}.`);
      }
      await new Promise(r => setTimeout(r, POLL_MS));
    }
  }

  async function upload(file) {
    const node = createItem(file.name, file.size);
    node.querySelector('.cancel').addEventListener('click', () => {
      node.cancelled = true;
      if (node.cancel) node.cancel();
    });
    const limit = maxDownloads.value ? Number(maxDownloads.value) : undefined;
    try {
      const target = await api('POST', '/uploads', {
        fileName: file.name,
        size: file.size,
        contentType: file.type || 'application/octet-stream',
        expiresIn: Number(expiresIn.value),
        maxDownloads: limit,
      });
      if (node.cancelled) throw new Error('Cancelled.');
      await sendBytes(target, file, node);
      node.querySelector('progress').value = 100;
      const done = await waitForLink(target.uploadId, node);
      const record = {
        fileId: done.fileId, fileName: done.fileName || file.name, size: done.size || file.size,
        shareUrl: done.shareUrl, expiresAt: done.expiresAt, deleteToken: done.deleteToken || target.deleteToken,
      };
      remember(record);
      showResult(node, record);
      announce(`${record.fileName} uploaded; the link is ready`);
    } catch (e) {
      showError(node, e.message);
    }
  }

  const uploadAll = files => Array.from(files).forEach(upload);

  input.addEventListener('change', () => { uploadAll(input.files); form.reset(); });
  form.addEventListener('submit', event => { event.preventDefault(); uploadAll(input.files); form.reset(); });
  ['dragenter', 'dragover'].forEach(type => dropZone.addEventListener(type, event => {
    event.preventDefault();
    dropZone.classList.add('dragging');
  }));
  ['dragleave', 'drop'].forEach(type => dropZone.addEventListener(type, () => dropZone.classList.remove('dragging')));
  dropZone.addEventListener('drop', event => {
    event.preventDefault();
    if (event.dataTransfer && event.dataTransfer.files.length) uploadAll(event.dataTransfer.files);
  });

  // Files uploaded earlier from this browser, until they expire.
  loadSaved()
    .filter(r => Date.parse(r.expiresAt) > Date.now())
    .reverse()
    .forEach(record => showResult(createItem(record.fileName, record.size), record));
  saveAll(loadSaved().filter(r => Date.parse(r.expiresAt) > Date.now()));
})();
