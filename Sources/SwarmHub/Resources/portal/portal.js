// swarm self-service portal (tier 0) for requesters: search the knowledge base, read an article,
// resolve a ticket with it, open a ticket in plain words, follow "my tickets" live, reply, reopen,
// confirm, attach files and screenshots and download the ones she may see. An ES module; its only
// dependency is the WebSocket client both pages share (swarm-socket.mjs); no build step. Data reaches
// the DOM through textContent and setAttribute only, never as markup; a file is shown inline only as a
// raster image in an <img>, never as SVG or HTML. Every text frame received from the hub is kept in
// window.swarmPortal.frames (the browser test reads them), and window.swarmPortal.uploadsStarted counts
// the uploads the page began.
import { SwarmSocket, idGenerator } from './swarm-socket.mjs';

(function () {
  'use strict';

  const TOKEN_KEY = 'swarm.portal.token';
  const LANG_KEY = 'swarm.portal.lang';
  const SEARCH_DELAY_MS = 250;
  /** The only types shown as a thumbnail: the ones the hub serves inline (docs/attachments.md). */
  const RASTER = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);
  /** A download's object URL lives this long: long enough for the browser to save it. */
  const DOWNLOAD_URL_MS = 60_000;

  // ---------------------------------------------------------------- texts

  const TEXTS = {
    en: {
      skip: 'Skip to the content', title: 'IT help', language: 'Language', logout: 'Sign out',
      signIn: 'Sign in', signInHint: 'Paste the token your IT team gave you. It stays in this browser tab only.',
      token: 'Your token', signInButton: 'Sign in', tokenHelpTitle: 'My token does not work',
      tokenHelp: 'A token is a long code starting with swm_. If it is refused, it was mistyped, cut off when copied, or withdrawn (revoked). Copy it again in one piece; if it still does not work, ask your IT team for a new one — nobody can recover an old one.',
      tabHelp: 'Find help', tabOpen: 'Ask for help', tabTickets: 'My tickets',
      helpTitle: 'Find an answer yourself', searchLabel: 'Describe your problem in a few words',
      searchPlaceholder: 'e.g. VPN disconnects', back: '← Back', solved: 'This solved my problem',
      notSolved: 'This does not help: ask for help', openTitle: 'Ask the IT team for help',
      what: 'What happened? (one line)', whatPlaceholder: 'e.g. The VPN drops every few minutes',
      details: 'Anything else we should know?', suggestionsTitle: 'These articles may solve it right away:',
      about: 'What is it about?', since: 'Since when?', who: 'Who is affected?', urgent: 'How urgent is it?',
      send: 'Send to the IT team', ticketsTitle: 'My tickets', noTickets: 'You have not asked for help yet.',
      backTickets: '← My tickets', confirm: 'Yes, it is solved', reopen: 'No, it is not solved: reopen',
      suggestedTitle: 'Articles that may help', conversation: 'Conversation', description: 'Your description',
      noReplies: 'No replies yet. You will see them here as soon as they are written.',
      earlier: 'Show earlier replies',
      replyLabel: 'Your reply', replyButton: 'Send reply',
      statusLive: 'Connected', statusConnecting: 'Connecting…', statusReconnecting: 'Reconnecting…',
      statusSignedOut: 'Signed out',
      searchNone: 'No article matches. Try other words, or ask for help.', searchSome: (n) => `${n} article(s) found.`,
      searchShort: '',
      aboutChoices: {
        hardware: 'A device (computer, printer, phone)', software: 'A program or app',
        network: 'Network, Wi-Fi or VPN', access: 'Signing in, passwords, access rights',
        service: 'A service (e-mail, files, calendar)', other: 'Something else / not sure',
      },
      sinceChoices: { now: 'Just now', today: 'Since today', days: 'For a few days', longer: 'For longer' },
      affectedChoices: { low: 'Only me', medium: 'My team or several people', high: 'Many people or everyone' },
      urgencyChoices: { low: 'It can wait', medium: 'It slows my work down', high: 'I cannot work at all' },
      mappingTitle: 'How your answers are passed on:',
      mapCategory: (c, why) => `Category: ${c} — because you chose “${why}”.`,
      mapUrgency: (u, why) => `Urgency: ${u} — because “${why}”.`,
      mapImpact: (i, why) => `Impact: ${i} — because “${why}” is affected.`,
      mapPriority: (p) => `So its priority is ${p} (P1 is handled first, P4 last).`,
      levels: { high: 'high', medium: 'medium', low: 'low' },
      categories: { hardware: 'hardware', software: 'software', network: 'network', access: 'access', service: 'service', other: 'other' },
      sinceLine: (s) => `Since: ${s}`,
      needWhat: 'Please say in one line what happened.', needChoices: 'Please answer the four questions.',
      opened: (id) => `Thank you. Your ticket ${id} is with the IT team; you can follow it here.`,
      statuses: { new: 'received', open: 'open', in_progress: 'being worked on', waiting: 'waiting', resolved: 'solved — please confirm', closed: 'closed' },
      openedOn: (d) => `opened ${d}`, you: 'You', team: (name) => `${name} (IT team)`,
      resolvedWith: (r) => `Solution: ${r}`, deflectedThanks: 'Great — your ticket is marked as solved with this article.',
      solvedNoTicket: 'Great — glad it helped. No ticket is needed.',
      pickTicket: 'Which of your open tickets does it solve?', appliedTo: (id) => `Applied to ${id}.`,
      confirmed: 'Thank you for confirming. The ticket is closed.', reopened: 'The ticket is open again; the IT team will look at it.',
      replySent: 'Your reply was sent.',
      tokenRefused: 'This token is not accepted: it is unknown or was revoked. Copy it again in one piece; if it still does not work, ask your IT team for a new one.',
      notRequester: (role) => `This token belongs to a ${role}. The portal is for people asking for help; the IT team works in the swarm console.`,
      failed: (m) => `That did not work: ${m}`, offline: 'The connection to the IT help service is interrupted; retrying…',
      attach: 'Attach files…', attachHint: 'or drop them onto this form, or paste a screenshot (Ctrl+V)',
      pendingFiles: 'Files to send', uploadsLabel: 'Files being sent', remove: 'Remove',
      removeFile: (name) => `Remove ${name}`, bytes: (n, count) => (count === 1 ? '1 byte' : `${n} bytes`),
      tooLargeFile: (name, size, over, limit) => `“${name}” is too large: ${size}, which is ${over} over the limit of ${limit} per file. It was not added.`,
      tooLargeTicket: (name, total, over, limit) => `With “${name}” the files of this ticket would come to ${total}, ${over} over the limit of ${limit} per ticket. It was not added.`,
      waiting: 'Waiting…', sending: (percent) => `Sending… ${percent}`, sendingFile: (name) => `Sending ${name}`,
      notSent: (reason, message) => `Not sent: ${reason}.` + (message ? ` The service said: “${message}”` : ''),
      reasons: {
        too_large: 'the file is over a size limit', infected: 'the virus scanner found malware in it',
        unavailable: 'files cannot be taken right now, try again later', conflict: 'this ticket takes no more files',
        rate_limited: 'too much at once, wait a moment and try again', not_found: 'the ticket was not found',
        network: 'the connection broke off', other: 'the file was refused',
      },
      retry: 'Try again', retryFile: (name) => `Send ${name} again`,
      download: 'Download', downloadFile: (name, size) => `Download ${name} (${size})`,
      filesSending: 'Your files are being sent.',
    },
    de: {
      skip: 'Zum Inhalt springen', title: 'IT-Hilfe', language: 'Sprache', logout: 'Abmelden',
      signIn: 'Anmelden', signInHint: 'Fügen Sie das Token ein, das Sie von Ihrem IT-Team bekommen haben. Es bleibt nur in diesem Browser-Tab.',
      token: 'Ihr Token', signInButton: 'Anmelden', tokenHelpTitle: 'Mein Token funktioniert nicht',
      tokenHelp: 'Ein Token ist ein langer Code, der mit swm_ beginnt. Wird es abgelehnt, wurde es vertippt, beim Kopieren abgeschnitten oder zurückgezogen (widerrufen). Kopieren Sie es noch einmal vollständig; klappt es dann immer noch nicht, bitten Sie Ihr IT-Team um ein neues — ein altes kann niemand wiederherstellen.',
      tabHelp: 'Hilfe finden', tabOpen: 'Um Hilfe bitten', tabTickets: 'Meine Tickets',
      helpTitle: 'Selbst eine Antwort finden', searchLabel: 'Beschreiben Sie Ihr Problem in wenigen Worten',
      searchPlaceholder: 'z. B. VPN trennt', back: '← Zurück', solved: 'Das hat mein Problem gelöst',
      notSolved: 'Das hilft nicht: um Hilfe bitten', openTitle: 'Das IT-Team um Hilfe bitten',
      what: 'Was ist passiert? (eine Zeile)', whatPlaceholder: 'z. B. Das VPN bricht alle paar Minuten ab',
      details: 'Was sollten wir noch wissen?', suggestionsTitle: 'Diese Artikel lösen es vielleicht sofort:',
      about: 'Worum geht es?', since: 'Seit wann?', who: 'Wer ist betroffen?', urgent: 'Wie dringend ist es?',
      send: 'An das IT-Team senden', ticketsTitle: 'Meine Tickets', noTickets: 'Sie haben noch nicht um Hilfe gebeten.',
      backTickets: '← Meine Tickets', confirm: 'Ja, es ist gelöst', reopen: 'Nein, es ist nicht gelöst: wieder öffnen',
      suggestedTitle: 'Artikel, die helfen könnten', conversation: 'Verlauf', description: 'Ihre Beschreibung',
      noReplies: 'Noch keine Antworten. Sie sehen sie hier, sobald sie geschrieben sind.',
      earlier: 'Frühere Antworten anzeigen',
      replyLabel: 'Ihre Antwort', replyButton: 'Antwort senden',
      statusLive: 'Verbunden', statusConnecting: 'Verbinde…', statusReconnecting: 'Verbinde neu…',
      statusSignedOut: 'Abgemeldet',
      searchNone: 'Kein Artikel passt. Versuchen Sie andere Wörter oder bitten Sie um Hilfe.',
      searchSome: (n) => `${n} Artikel gefunden.`, searchShort: '',
      aboutChoices: {
        hardware: 'Ein Gerät (Computer, Drucker, Telefon)', software: 'Ein Programm oder eine App',
        network: 'Netzwerk, WLAN oder VPN', access: 'Anmeldung, Passwörter, Zugriffsrechte',
        service: 'Ein Dienst (E-Mail, Dateien, Kalender)', other: 'Etwas anderes / weiß nicht',
      },
      sinceChoices: { now: 'Gerade eben', today: 'Seit heute', days: 'Seit ein paar Tagen', longer: 'Schon länger' },
      affectedChoices: { low: 'Nur ich', medium: 'Mein Team oder mehrere Personen', high: 'Viele oder alle' },
      urgencyChoices: { low: 'Es kann warten', medium: 'Es bremst meine Arbeit', high: 'Ich kann gar nicht arbeiten' },
      mappingTitle: 'So werden Ihre Antworten weitergegeben:',
      mapCategory: (c, why) => `Kategorie: ${c} — weil Sie „${why}“ gewählt haben.`,
      mapUrgency: (u, why) => `Dringlichkeit: ${u} — weil „${why}“.`,
      mapImpact: (i, why) => `Auswirkung: ${i} — weil „${why}“ betroffen ist.`,
      mapPriority: (p) => `Damit hat es die Priorität ${p} (P1 wird zuerst bearbeitet, P4 zuletzt).`,
      levels: { high: 'hoch', medium: 'mittel', low: 'niedrig' },
      categories: { hardware: 'Hardware', software: 'Software', network: 'Netzwerk', access: 'Zugang', service: 'Dienst', other: 'Sonstiges' },
      sinceLine: (s) => `Seit: ${s}`,
      needWhat: 'Bitte sagen Sie in einer Zeile, was passiert ist.', needChoices: 'Bitte beantworten Sie die vier Fragen.',
      opened: (id) => `Danke. Ihr Ticket ${id} ist beim IT-Team; Sie können es hier verfolgen.`,
      statuses: { new: 'eingegangen', open: 'offen', in_progress: 'in Bearbeitung', waiting: 'wartet', resolved: 'gelöst — bitte bestätigen', closed: 'geschlossen' },
      openedOn: (d) => `eröffnet ${d}`, you: 'Sie', team: (name) => `${name} (IT-Team)`,
      resolvedWith: (r) => `Lösung: ${r}`, deflectedThanks: 'Prima — Ihr Ticket ist mit diesem Artikel als gelöst markiert.',
      solvedNoTicket: 'Prima — schön, dass es geholfen hat. Es ist kein Ticket nötig.',
      pickTicket: 'Welches Ihrer offenen Tickets löst es?', appliedTo: (id) => `Auf ${id} angewendet.`,
      confirmed: 'Danke für die Bestätigung. Das Ticket ist geschlossen.', reopened: 'Das Ticket ist wieder offen; das IT-Team sieht es sich an.',
      replySent: 'Ihre Antwort wurde gesendet.',
      tokenRefused: 'Dieses Token wird nicht angenommen: Es ist unbekannt oder wurde widerrufen. Kopieren Sie es noch einmal vollständig; klappt es dann nicht, bitten Sie Ihr IT-Team um ein neues.',
      notRequester: (role) => `Dieses Token gehört zur Rolle „${role}“. Das Portal ist für Menschen, die Hilfe brauchen; das IT-Team arbeitet in der swarm-Konsole.`,
      failed: (m) => `Das hat nicht geklappt: ${m}`, offline: 'Die Verbindung zur IT-Hilfe ist unterbrochen; neuer Versuch…',
      attach: 'Dateien anhängen…', attachHint: 'oder hierher ziehen oder einen Screenshot einfügen (Strg+V)',
      pendingFiles: 'Dateien zum Senden', uploadsLabel: 'Dateien, die gerade gesendet werden', remove: 'Entfernen',
      removeFile: (name) => `${name} entfernen`, bytes: (n) => `${n} Byte`,
      tooLargeFile: (name, size, over, limit) => `„${name}“ ist zu groß: ${size}, das sind ${over} mehr als die erlaubten ${limit} pro Datei. Die Datei wurde nicht hinzugefügt.`,
      tooLargeTicket: (name, total, over, limit) => `Mit „${name}“ kämen die Dateien dieses Tickets auf ${total}, das sind ${over} mehr als die erlaubten ${limit} pro Ticket. Die Datei wurde nicht hinzugefügt.`,
      waiting: 'Wartet…', sending: (percent) => `Wird gesendet… ${percent}`, sendingFile: (name) => `${name} wird gesendet`,
      notSent: (reason, message) => `Nicht gesendet: ${reason}.` + (message ? ` Der Dienst meldet: „${message}“` : ''),
      reasons: {
        too_large: 'Die Datei überschreitet eine Größengrenze', infected: 'Der Virenscanner hat darin Schadsoftware gefunden',
        unavailable: 'Dateien können gerade nicht angenommen werden, bitte später noch einmal versuchen',
        conflict: 'Dieses Ticket nimmt keine Dateien mehr an',
        rate_limited: 'Zu viel auf einmal, bitte kurz warten und noch einmal versuchen',
        not_found: 'Das Ticket wurde nicht gefunden', network: 'Die Verbindung ist abgebrochen', other: 'Die Datei wurde abgelehnt',
      },
      retry: 'Erneut versuchen', retryFile: (name) => `${name} erneut senden`,
      download: 'Herunterladen', downloadFile: (name, size) => `${name} herunterladen (${size})`,
      filesSending: 'Ihre Dateien werden gesendet.',
    },
  };

  function chooseLanguage() {
    const saved = localStorage.getItem(LANG_KEY);
    if (saved && TEXTS[saved]) return saved;
    for (const tag of navigator.languages || [navigator.language || 'en']) {
      const base = String(tag).toLowerCase().split('-')[0];
      if (TEXTS[base]) return base;
    }
    return 'en';
  }

  let lang = chooseLanguage();
  const t = (key, ...args) => {
    const value = TEXTS[lang][key] ?? TEXTS.en[key];
    return typeof value === 'function' ? value(...args) : value;
  };

  const $ = (id) => document.getElementById(id);
  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    if (attrs) for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) node.setAttribute(k, String(v));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // ---------------------------------------------------------------- state

  const frames = [];
  window.swarmPortal = { frames, uploadsStarted: 0 };

  const state = {
    token: null, me: null, tickets: new Map(), details: new Map(), view: 'help', ticket: null, article: null,
    articleFrom: 'help', timers: { search: null, suggest: null },
    // Files chosen but not sent yet, per form ('open': a new request, 'reply': a reply on state.ticket).
    pending: { open: [], reply: [] },
    // Files being sent, per ticket: {key, file, name, size, status: waiting|sending|failed, loaded, error, xhr}.
    uploads: new Map(), uploading: new Set(),
    // GET /v1/limits, read once per session: {attachmentMaxFile, attachmentMaxTicket, maxFrameSize}.
    limits: null,
    // The thumbnails' object URLs of the ticket shown, by attachment id; revoked when the view changes.
    thumbs: new Map(),
  };

  // One Idempotency-Key per file, made when it is chosen: a retry of its upload attaches it once.
  const fileKey = idGenerator('portal-file', (n) => globalThis.crypto.getRandomValues(new Uint8Array(n)));

  // ---------------------------------------------------------------- rendering of static texts

  function applyTexts() {
    document.documentElement.lang = lang;
    document.title = t('title');
    for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = t(node.getAttribute('data-i18n'));
    for (const node of document.querySelectorAll('[data-i18n-placeholder]')) {
      node.setAttribute('placeholder', t(node.getAttribute('data-i18n-placeholder')));
    }
    for (const node of document.querySelectorAll('[data-i18n-label]')) {
      node.setAttribute('aria-label', t(node.getAttribute('data-i18n-label')));
    }
    $('lang').value = lang;
    buildChoices();
    updateStatus();
    renderMapping();
    renderPending('open');
    renderPending('reply');
    renderTickets();
    if (state.ticket) renderTicket();
  }

  const CHOICES = {
    about: ['network', 'hardware', 'software', 'access', 'service', 'other'],
    since: ['now', 'today', 'days', 'longer'],
    affected: ['low', 'medium', 'high'],
    urgency: ['low', 'medium', 'high'],
  };
  const CHOICE_TEXTS = { about: 'aboutChoices', since: 'sinceChoices', affected: 'affectedChoices', urgency: 'urgencyChoices' };

  function buildChoices() {
    for (const [group, values] of Object.entries(CHOICES)) {
      const box = $(group);
      const checked = box.querySelector('input:checked')?.value;
      box.replaceChildren();
      for (const value of values) {
        const input = el('input', { type: 'radio', name: group, value, id: `${group}-${value}` });
        if (value === checked) input.checked = true;
        input.addEventListener('change', renderMapping);
        const label = el('label', { for: `${group}-${value}` });
        label.append(input, document.createTextNode(t(CHOICE_TEXTS[group])[value]));
        box.append(label);
      }
    }
  }

  function choice(group) { return document.querySelector(`#${group} input:checked`)?.value ?? null; }

  /** The priority matrix of Protocol/README.md §14: rank(urgency) + rank(impact) − 1, capped at 4. */
  function priority(urgency, impact) {
    const rank = { high: 1, medium: 2, low: 3 };
    return `P${Math.min(4, rank[urgency] + rank[impact] - 1)}`;
  }

  function renderMapping() {
    const box = $('mapping');
    box.replaceChildren();
    const about = choice('about'), affected = choice('affected'), urgency = choice('urgency');
    if (!about && !affected && !urgency) return;
    box.append(el('p', { class: 'hint' }, t('mappingTitle')));
    if (about) box.append(el('p', { 'data-map': 'category' }, t('mapCategory', t('categories')[about], t('aboutChoices')[about])));
    if (urgency) box.append(el('p', { 'data-map': 'urgency' }, t('mapUrgency', t('levels')[urgency], t('urgencyChoices')[urgency])));
    if (affected) box.append(el('p', { 'data-map': 'impact' }, t('mapImpact', t('levels')[affected], t('affectedChoices')[affected])));
    if (urgency && affected) box.append(el('p', { 'data-map': 'priority' }, t('mapPriority', priority(urgency, affected))));
  }

  function updateStatus() {
    const kind = socket.status;
    const text = { live: 'statusLive', 'signed-out': 'statusSignedOut', reconnecting: 'statusReconnecting', connecting: 'statusConnecting' }[kind];
    $('status').setAttribute('data-state', kind);
    $('status').textContent = t(text);
  }

  function showError(text) { $('error').textContent = text || ''; }

  function note(id, text) { $(id).textContent = text || ''; }

  // ---------------------------------------------------------------- views

  const VIEWS = ['help', 'article', 'open', 'tickets', 'ticket'];
  function show(view, focus) {
    // The thumbnails belong to the ticket shown; leaving it frees them (they are fetched again on return).
    if (view !== 'ticket') revokeThumbs();
    state.view = view;
    for (const name of VIEWS) $(`view-${name}`).hidden = name !== view;
    const tab = { help: 'help', article: state.articleFrom === 'ticket' ? 'tickets' : state.articleFrom, open: 'open', tickets: 'tickets', ticket: 'tickets' }[view];
    for (const button of document.querySelectorAll('.tab')) {
      if (button.getAttribute('data-view') === tab) button.setAttribute('aria-current', 'page');
      else button.removeAttribute('aria-current');
    }
    if (focus) $(focus).focus();
  }

  function signedIn(yes) {
    $('login-view').hidden = yes;
    $('portal').hidden = !yes;
    $('session').hidden = !yes;
  }

  // ---------------------------------------------------------------- connection

  // Her agent channel carries every event of her tickets, new ones included. The socket resumes it
  // after a drop from the last seq seen (from the welcome's on the first connection), and starts
  // from scratch when the hub serves another log (epoch_changed): then her tickets are loaded again.
  const socket = new SwarmSocket({
    client: 'portal',
    channels: (welcome) => [`agent:${welcome.agent}`],
    resume: true,
    onChange: () => updateStatus(),
    onText: (text) => frames.push(text),
    onWelcome(welcome) {
      if (welcome.role !== 'requester') { refuse(t('notRequester', String(welcome.role))); return; }
      state.me = String(welcome.agent);
      $('who').textContent = state.me;
    },
    onSubscribed: () => onSubscribed(),
    onSubscribeError: onFailure,
    onEpochChanged() {
      state.tickets.clear();
      state.details.clear();
      revokeThumbs();
      renderTickets();
    },
    onRefused: () => refuse(t('tokenRefused')),
    onHelloFailed: (frame) => showError(t('failed', frame.message)),
    onEvent: (frame) => onEvent(frame.event || {}),
  });

  /** Sends a frame with a fresh id; resolves with the ack, rejects with the error frame. */
  function request(frame) {
    return socket.request(frame).catch((error) => {
      throw error.code === 'offline' ? { code: 'offline', message: t('offline') } : error;
    });
  }

  async function rest(path) {
    const response = await fetch(path, { headers: { Authorization: `Bearer ${state.token}` } });
    const body = await response.json().catch(() => ({}));
    if (response.status === 401) { refuse(t('tokenRefused')); throw body.error || { code: 'unauthorized' }; }
    if (!response.ok) throw body.error || { code: String(response.status), message: response.statusText };
    return body;
  }

  function start(token) {
    stop();
    state.token = token;
    state.tickets.clear();
    state.details.clear();
    socket.start(token);
  }

  function stop() {
    clearTimeout(state.timers.search);
    clearTimeout(state.timers.suggest);
    socket.stop();
    // The files were chosen for this session's token: none is sent with another one.
    for (const list of state.uploads.values()) for (const upload of list) upload.xhr?.abort();
    state.uploads.clear();
    state.pending.open = [];
    state.pending.reply = [];
    state.limits = null;
    revokeThumbs();
    renderPending('open');
    renderPending('reply');
  }

  function refuse(text) {
    stop();
    sessionStorage.removeItem(TOKEN_KEY);
    signedIn(false);
    showError(text);
    $('token').focus();
  }

  async function onSubscribed() {
    sessionStorage.setItem(TOKEN_KEY, state.token);
    showError('');
    signedIn(true);
    updateStatus();
    limits();
    try {
      // Her tickets, page by page (GET /v1/tickets answers one page and the cursor of the next).
      let after = null;
      do {
        const list = await rest('/v1/tickets?limit=500' + (after ? `&after=${encodeURIComponent(after)}` : ''));
        for (const ticket of list.tickets || []) mergeTicket(ticket);
        after = list.next || null;
      } while (after);
      renderTickets();
      if (state.ticket) await loadTicket(state.ticket);
    } catch (error) { onFailure(error); }
  }

  function onFailure(error) {
    // unauthorized: the sign-in form says why; stopped: she signed out meanwhile.
    if (error && (error.code === 'unauthorized' || error.code === 'stopped')) return;
    showError(t('failed', (error && error.message) || String(error && error.code)));
  }

  // ---------------------------------------------------------------- tickets

  function addAttachment(ticket, attachment) {
    if (!attachment || !attachment.id) return;
    ticket.attachments = ticket.attachments || [];
    if (!ticket.attachments.some((a) => a.id === attachment.id)) ticket.attachments.push(attachment);
  }

  function mergeTicket(ticket) {
    const known = state.tickets.get(ticket.id);
    state.tickets.set(ticket.id, { ...(known || {}), ...ticket, comments: known?.comments || ticket.comments || [] });
  }

  async function loadTicket(id) {
    const detail = await rest(`/v1/tickets/${encodeURIComponent(id)}`);
    // A file that arrived live while the ticket was read stays, whether or not the answer has it.
    const live = state.tickets.get(id)?.attachments || [];
    const read = detail.ticket.attachments || [];
    const ids = new Set(read.map((a) => a.id));
    detail.ticket.attachments = [...read, ...live.filter((a) => !ids.has(a.id))];
    mergeTicket(detail.ticket);
    state.details.set(id, true);
    const ticket = state.tickets.get(id);
    // The latest replies; earlier ones are read a page at a time when she asks (earlierReplies).
    ticket.comments = detail.ticket.comments || [];
    ticket.moreComments = !!detail.moreComments;
    if (!ticket.suggestedMatches && (ticket.suggestedArticles || []).length) {
      // The ticket names its suggested articles by id; their titles come from the articles.
      const matches = [];
      for (const articleId of ticket.suggestedArticles.slice(0, 3)) {
        try {
          const article = await rest(`/v1/kb/${encodeURIComponent(articleId)}`);
          matches.push({ id: articleId, title: article.title, language: article.language });
        } catch (_) { /* not readable */ }
      }
      ticket.suggestedMatches = matches;
    }
    if (state.ticket === id) renderTicket();
  }

  /** Reads the page of replies before the first one shown. */
  async function earlierReplies(id) {
    const ticket = state.tickets.get(id);
    if (!ticket || !ticket.comments.length) return;
    const before = ticket.comments[0].number;
    const page = await rest(`/v1/tickets/${encodeURIComponent(id)}/comments?before=${before}&limit=50`);
    const known = new Set(ticket.comments.map((c) => c.number));
    ticket.comments = [...(page.comments || []).filter((c) => !known.has(c.number)), ...ticket.comments];
    ticket.moreComments = !!page.more;
    if (state.ticket === id) renderTicket();
  }

  /** Applies one event of her tickets (the hub sends her nothing else, and no internal note). */
  function onEvent(event) {
    const id = event.ticket;
    if (!id) return;
    if (event.type === 'ticket.opened' && event.state) mergeTicket(event.state);
    const ticket = state.tickets.get(id);
    if (!ticket) return;
    switch (event.type) {
      case 'status.changed':
        ticket.status = event.to;
        ticket.resolution = event.resolution ?? (event.to === 'open' ? undefined : ticket.resolution);
        break;
      case 'comment.added':
        if (event.comment && !ticket.comments.some((c) => c.number === event.comment.number)) {
          ticket.comments.push(event.comment);
        }
        break;
      case 'attachment.added':
        addAttachment(ticket, event.attachment);
        break;
      case 'kb.suggested':
        ticket.suggestedArticles = (event.articles || []).map((a) => a.id);
        ticket.suggestedMatches = event.articles || [];
        break;
      case 'kb.applied':
        ticket.resolvedWith = event.article;
        ticket.deflected = !!event.deflected;
        break;
      default:
        break;
    }
    ticket.updatedAt = event.at || ticket.updatedAt;
    renderTickets();
    if (state.ticket === id) renderTicket();
  }

  const dateFormat = () => new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short' });
  function when(text) {
    const d = new Date(text);
    return Number.isNaN(d.getTime()) ? '' : dateFormat().format(d);
  }

  function renderTickets() {
    const list = $('ticket-list');
    list.replaceChildren();
    const tickets = [...state.tickets.values()].sort((a, b) => (parseInt(b.id.slice(2), 10) || 0) - (parseInt(a.id.slice(2), 10) || 0));
    $('no-tickets').hidden = tickets.length > 0;
    $('ticket-count').textContent = tickets.length ? String(tickets.length) : '';
    for (const ticket of tickets) {
      const button = el('button', { type: 'button', 'data-ticket': ticket.id });
      button.append(el('span', null, `${ticket.id} · ${ticket.title}`),
        el('span', { class: 'badge', 'data-status': ticket.status }, t('statuses')[ticket.status] || ticket.status));
      button.addEventListener('click', () => openTicket(ticket.id));
      const item = el('li');
      item.append(button);
      list.append(item);
    }
  }

  async function openTicket(id) {
    if (state.ticket !== id) {
      // Files chosen for a reply on another ticket are not carried over to this one.
      revokeThumbs();
      state.pending.reply = [];
      renderPending('reply');
      note('reply-file-note', '');
    }
    state.ticket = id;
    note('ticket-note', '');
    renderTicket();
    show('ticket', 'ticket-title');
    try { await loadTicket(id); } catch (error) { onFailure(error); }
  }

  function renderTicket() {
    const ticket = state.tickets.get(state.ticket);
    if (!ticket) return;
    $('ticket-title').textContent = `${ticket.id} · ${ticket.title}`;
    const badge = $('ticket-status');
    badge.textContent = t('statuses')[ticket.status] || ticket.status;
    badge.setAttribute('data-status', ticket.status);
    $('ticket-info').textContent = ticket.openedAt ? t('openedOn', when(ticket.openedAt)) : '';
    // What she wrote when she asked (or what the agent who took her call wrote down), as written.
    $('ticket-description').textContent = ticket.description || '';
    $('ticket-description-box').hidden = !ticket.description;
    const resolution = $('ticket-resolution');
    resolution.hidden = !(ticket.resolution && (ticket.status === 'resolved' || ticket.status === 'closed'));
    resolution.textContent = ticket.resolution ? t('resolvedWith', ticket.resolution) : '';
    $('reopen').hidden = !(ticket.status === 'resolved' || ticket.status === 'closed');
    $('ticket-decide').hidden = !(ticket.status === 'resolved' || ticket.status === 'closed');
    $('confirm').hidden = ticket.status !== 'resolved';
    const suggested = ticket.suggestedMatches || (ticket.suggestedArticles || []).map((id) => ({ id, title: id }));
    const box = $('ticket-suggested');
    box.hidden = suggested.length === 0 || ticket.status === 'resolved' || ticket.status === 'closed';
    renderArticleList($('ticket-suggested-list'), suggested, 'ticket');
    const replies = $('replies');
    replies.replaceChildren();
    if (ticket.moreComments) {
      const button = el('button', { type: 'button', class: 'link', id: 'earlier-replies' }, t('earlier'));
      button.addEventListener('click', () => earlierReplies(ticket.id).catch(onFailure));
      const item = el('li', { class: 'earlier' });
      item.append(button);
      replies.append(item);
    }
    const conversation = conversationOf(ticket);
    for (const entry of conversation) {
      replies.append(entry.comment ? replyItem(entry.comment) : fileItem(entry.file));
    }
    $('no-replies').hidden = conversation.length > 0;
    $('reply-form').hidden = ticket.status === 'closed';
    renderUploads(ticket.id);
  }

  function who(author, at) {
    return `${author === state.me ? t('you') : t('team', author)} · ${when(at)}`;
  }

  function replyItem(comment) {
    const mine = comment.author === state.me;
    const item = el('li', { class: `reply ${mine ? 'mine' : 'team'}`, 'data-number': comment.number });
    item.append(el('div', { class: 'who' }, who(comment.author, comment.at)), el('p', { class: 'body' }, comment.body));
    return item;
  }

  /**
   * Her replies and the swarm's, and the files, in the order they were written and attached. While
   * earlier replies are not read yet, files from before the first reply shown wait with them.
   */
  function conversationOf(ticket) {
    const comments = ticket.comments || [];
    const time = (at) => Date.parse(at) || 0;
    const from = ticket.moreComments && comments.length ? time(comments[0].at) : -Infinity;
    // The hub sends her public files only; one it marked otherwise is not hers to see either.
    const files = (ticket.attachments || []).filter((a) => a.visibility !== 'internal' && time(a.at) >= from);
    const entries = [...comments.map((comment, order) => ({ at: time(comment.at), order, comment })),
      ...files.map((file, order) => ({ at: time(file.at), order: comments.length + order, file }))];
    return entries.sort((a, b) => a.at - b.at || a.order - b.order);
  }

  // ---------------------------------------------------------------- files

  /** A size as people read it, in the page's language: "512 bytes", "1.5 MB", "150 KB". */
  function size(bytes) {
    const format = (value, digits) => new Intl.NumberFormat(lang, { maximumFractionDigits: digits }).format(value);
    if (bytes < 1024) return t('bytes', format(bytes, 0), bytes);
    const units = ['KB', 'MB', 'GB', 'TB'];
    let value = bytes / 1024;
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit += 1; }
    return `${format(value, value < 10 ? 1 : 0)}\u00a0${units[unit]}`;
  }

  /**
   * The hub's limits (GET /v1/limits), read once per session so a file over one is refused as it is
   * chosen, with the numbers, before a byte is sent. Null when they cannot be read: the hub still
   * refuses, and its answer is shown.
   */
  function limits() {
    if (!state.limits) {
      const asked = rest('/v1/limits').catch(() => {
        if (state.limits === asked) state.limits = null; // asked again with the next file
        return null;
      });
      state.limits = asked;
    }
    return state.limits;
  }

  /** The form a dropped or pasted file goes to: the one of the view shown, if it takes files. */
  function fileForm() {
    if ($('portal').hidden) return null;
    if (state.view === 'open') return 'open';
    if (state.view === 'ticket' && state.ticket && !$('reply-form').hidden) return 'reply';
    return null;
  }

  /** Bytes already on the ticket a form's files would go to: the files she sees and those being sent. */
  function bytesOnTicket(form) {
    if (form !== 'reply') return 0;
    const ticket = state.tickets.get(state.ticket);
    const shown = (ticket?.attachments || []).reduce((sum, a) => sum + (a.size || 0), 0);
    const sending = (state.uploads.get(state.ticket) || []).reduce((sum, u) => sum + u.size, 0);
    return shown + sending;
  }

  async function addFiles(form, files) {
    const chosen = [...files];
    if (!chosen.length) return;
    const known = await limits();
    const refused = [];
    for (const file of chosen) {
      const refusal = known && refusalOf(form, file, known);
      if (refusal) refused.push(refusal);
      else state.pending[form].push({ key: fileKey(), file, name: file.name, size: file.size });
    }
    note(`${form}-file-note`, refused.join(' '));
    renderPending(form);
  }

  /** Why the hub would refuse this file, in her words and with the numbers; null if it would not. */
  function refusalOf(form, file, known) {
    const perFile = Number(known.attachmentMaxFile);
    if (perFile >= 0 && file.size > perFile) {
      return t('tooLargeFile', file.name, size(file.size), size(file.size - perFile), size(perFile));
    }
    const perTicket = Number(known.attachmentMaxTicket);
    const total = bytesOnTicket(form) + state.pending[form].reduce((sum, p) => sum + p.size, 0) + file.size;
    if (perTicket >= 0 && total > perTicket) {
      return t('tooLargeTicket', file.name, size(total), size(total - perTicket), size(perTicket));
    }
    return null;
  }

  function renderPending(form) {
    const list = $(`${form}-chips`);
    list.replaceChildren();
    for (const pending of state.pending[form]) {
      const item = el('li', { class: 'chip', 'data-file': pending.name });
      const remove = el('button', { type: 'button', class: 'chip-remove', 'aria-label': t('removeFile', pending.name), title: t('remove') }, '×');
      remove.addEventListener('click', () => {
        state.pending[form] = state.pending[form].filter((p) => p !== pending);
        note(`${form}-file-note`, '');
        renderPending(form);
        $(`${form}-attach`).focus();
      });
      item.append(el('span', { class: 'chip-name' }, pending.name), el('span', { class: 'chip-size' }, size(pending.size)), remove);
      list.append(item);
    }
    list.hidden = state.pending[form].length === 0;
  }

  /**
   * A pasted image gets a name that says what it is and when it was taken, screenshot-2026-12-07-1530.png
   * (-2, -3 … for more in the same minute); a copied file keeps its own name.
   */
  function pastedName(file, taken) {
    if (file.name && !/^image\.[a-z]+$/i.test(file.name)) return file.name;
    const extension = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/gif': 'gif', 'image/webp': 'webp', 'image/bmp': 'bmp' }[file.type]
      || (file.name.split('.').pop() || 'png').toLowerCase();
    const now = new Date();
    const two = (n) => String(n).padStart(2, '0');
    const stem = `screenshot-${now.getFullYear()}-${two(now.getMonth() + 1)}-${two(now.getDate())}-${two(now.getHours())}${two(now.getMinutes())}`;
    let name = `${stem}.${extension}`;
    for (let n = 2; taken.has(name); n += 1) name = `${stem}-${n}.${extension}`;
    return name;
  }

  function onPaste(event) {
    const form = fileForm();
    const data = event.clipboardData;
    if (!form || !data) return;
    // Text copied from an office program often comes with a picture of itself: text pastes as text.
    if ([...data.types].includes('text/plain')) return;
    const files = [...data.files];
    if (!files.length) return;
    event.preventDefault();
    const taken = new Set(state.pending[form].map((p) => p.name));
    const named = [];
    for (const file of files) {
      const name = file.type.startsWith('image/') ? pastedName(file, taken) : file.name;
      taken.add(name);
      named.push(name === file.name ? file : new File([file], name, { type: file.type, lastModified: file.lastModified }));
    }
    addFiles(form, named);
  }

  function dragHasFiles(event) { return [...(event.dataTransfer?.types || [])].includes('Files'); }

  function onDragOver(event) {
    if (!dragHasFiles(event)) return;
    // Always: a file dropped beside the form must not make the browser leave the portal to show it.
    event.preventDefault();
    const form = fileForm();
    event.dataTransfer.dropEffect = form ? 'copy' : 'none';
    for (const name of ['open', 'reply']) $(`${name}-files`).classList.toggle('dropping', name === form);
  }

  function onDragEnd() { for (const name of ['open', 'reply']) $(`${name}-files`).classList.remove('dropping'); }

  function onDrop(event) {
    if (!dragHasFiles(event)) return;
    event.preventDefault();
    onDragEnd();
    const form = fileForm();
    if (form) addFiles(form, event.dataTransfer.files);
  }

  /** Sends a form's files to a ticket, after its text went: one at a time, each with its own key. */
  function sendFiles(id, pending) {
    const list = state.uploads.get(id) || [];
    for (const p of pending) list.push({ key: p.key, file: p.file, name: p.name, size: p.size, status: 'waiting', loaded: 0 });
    state.uploads.set(id, list);
    if (state.ticket === id) renderUploads(id);
    runUploads(id);
  }

  async function runUploads(id) {
    if (state.uploading.has(id)) return;
    state.uploading.add(id);
    try {
      for (let next = waitingUpload(id); next; next = waitingUpload(id)) await upload(id, next);
    } finally { state.uploading.delete(id); }
  }

  function waitingUpload(id) { return (state.uploads.get(id) || []).find((u) => u.status === 'waiting'); }

  /**
   * POST /v1/tickets/{id}/attachments with the file as the body, public (hers always are), and the
   * file's Idempotency-Key. XMLHttpRequest rather than fetch: it tells how much has gone up.
   */
  async function upload(id, entry) {
    entry.status = 'sending';
    entry.loaded = 0;
    entry.error = null;
    if (state.ticket === id) renderUploads(id);
    window.swarmPortal.uploadsStarted += 1;
    const answer = await new Promise((resolve) => {
      const xhr = new XMLHttpRequest();
      entry.xhr = xhr;
      xhr.open('POST', `/v1/tickets/${encodeURIComponent(id)}/attachments?name=${encodeURIComponent(entry.name)}&visibility=public`);
      xhr.setRequestHeader('Authorization', `Bearer ${state.token}`);
      xhr.setRequestHeader('Idempotency-Key', entry.key);
      xhr.upload.addEventListener('progress', (event) => {
        entry.loaded = event.loaded;
        showProgress(id, entry);
      });
      xhr.addEventListener('load', () => {
        let body = {};
        try { body = JSON.parse(xhr.responseText); } catch (_) { /* not JSON: a proxy's page */ }
        resolve({ status: xhr.status, body });
      });
      xhr.addEventListener('error', () => resolve({ status: 0, body: {} }));
      xhr.addEventListener('abort', () => resolve({ status: -1, body: {} }));
      xhr.send(entry.file);
    });
    entry.xhr = null;
    const list = state.uploads.get(id);
    if (answer.status === -1 || !list || !list.includes(entry)) return; // signed out, or removed meanwhile
    if (answer.status === 401) { refuse(t('tokenRefused')); return; }
    if (answer.status >= 200 && answer.status < 300 && answer.body.attachment) {
      // In the conversation now (the live attachment.added may come before or after this answer).
      const ticket = state.tickets.get(id);
      if (ticket) addAttachment(ticket, answer.body.attachment);
      state.uploads.set(id, list.filter((u) => u !== entry));
      if (state.ticket === id) renderTicket();
      return;
    }
    entry.status = 'failed';
    entry.error = answer.status === 0
      ? { code: 'network', message: '' }
      : { code: answer.body.error?.code || 'other', message: answer.body.error?.message || `HTTP ${answer.status}` };
    if (state.ticket === id) {
      renderUploads(id);
      // The list is not live (its progress would be read out all the time); the ticket's note is.
      note('ticket-note', `${entry.name}: ${failure(entry)}`);
    }
  }

  function failure(entry) {
    const reasons = t('reasons');
    return t('notSent', reasons[entry.error.code] || reasons.other, entry.error.message);
  }

  function percent(entry) {
    return new Intl.NumberFormat(lang, { style: 'percent' }).format(entry.size ? Math.min(1, entry.loaded / entry.size) : 0);
  }

  function showProgress(id, entry) {
    if (state.ticket !== id) return;
    const item = $('uploads').querySelector(`li[data-upload="${CSS.escape(entry.key)}"]`);
    if (!item) return;
    item.querySelector('progress').value = entry.loaded;
    item.querySelector('.upload-state').textContent = t('sending', percent(entry));
  }

  function renderUploads(id) {
    const list = $('uploads');
    list.replaceChildren();
    const uploads = state.uploads.get(id) || [];
    for (const entry of uploads) {
      const item = el('li', { class: 'chip upload', 'data-upload': entry.key, 'data-state': entry.status, 'data-file': entry.name });
      item.append(el('span', { class: 'chip-name' }, entry.name), el('span', { class: 'chip-size' }, size(entry.size)));
      if (entry.status === 'failed') {
        item.append(el('span', { class: 'upload-state' }, failure(entry)));
        const retry = el('button', { type: 'button', class: 'retry', 'aria-label': t('retryFile', entry.name) }, t('retry'));
        retry.addEventListener('click', () => {
          entry.status = 'waiting';
          renderUploads(id);
          runUploads(id);
        });
        const remove = el('button', { type: 'button', class: 'chip-remove', 'aria-label': t('removeFile', entry.name), title: t('remove') }, '×');
        remove.addEventListener('click', () => {
          state.uploads.set(id, (state.uploads.get(id) || []).filter((u) => u !== entry));
          renderUploads(id);
          $('reply').focus();
        });
        item.append(retry, remove);
      } else {
        const progress = el('progress', { max: Math.max(1, entry.size), 'aria-label': t('sendingFile', entry.name) });
        progress.value = entry.loaded;
        item.append(progress, el('span', { class: 'upload-state' }, entry.status === 'sending' ? t('sending', percent(entry)) : t('waiting')));
      }
      list.append(item);
    }
    list.hidden = uploads.length === 0;
  }

  /** GET /v1/attachments/{id} with her token: the bytes and the type the hub served them as. */
  async function fetchAttachment(id) {
    const response = await fetch(`/v1/attachments/${encodeURIComponent(id)}`, { headers: { Authorization: `Bearer ${state.token}` } });
    if (response.status === 401) { refuse(t('tokenRefused')); throw { code: 'unauthorized' }; }
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      throw body.error || { code: String(response.status), message: response.statusText };
    }
    const type = (response.headers.get('Content-Type') || '').split(';')[0].trim().toLowerCase();
    return { blob: await response.blob(), type };
  }

  function revokeThumbs() {
    for (const thumb of state.thumbs.values()) if (thumb.url) URL.revokeObjectURL(thumb.url);
    state.thumbs.clear();
  }

  /** A raster image's thumbnail, its bytes fetched once while the ticket is shown. */
  function thumbnail(attachment) {
    let thumb = state.thumbs.get(attachment.id);
    if (!thumb) {
      thumb = { url: null, failed: false };
      state.thumbs.set(attachment.id, thumb);
      const images = () => document.querySelectorAll(`img[data-thumb="${CSS.escape(attachment.id)}"]`);
      const fail = () => { thumb.failed = true; for (const img of images()) img.remove(); };
      fetchAttachment(attachment.id).then(({ blob, type }) => {
        if (state.thumbs.get(attachment.id) !== thumb) return; // the view changed meanwhile
        // Shown only as the raster image the hub served it as, never as what a name or a claim says.
        if (!RASTER.has(type)) { fail(); return; }
        thumb.url = URL.createObjectURL(blob.type === type ? blob : new Blob([blob], { type }));
        for (const img of images()) img.src = thumb.url;
      }).catch(fail);
    }
    if (thumb.failed) return null;
    const img = el('img', { class: 'thumb', alt: attachment.name, 'data-thumb': attachment.id, decoding: 'async' });
    if (thumb.url) img.src = thumb.url;
    return img;
  }

  /** Saves a file under its name: fetched with her token, handed to the browser as a download. */
  async function download(attachment, button) {
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    try {
      const { blob } = await fetchAttachment(attachment.id);
      // As bytes, whatever they are: the browser saves them and never shows them.
      const url = URL.createObjectURL(new Blob([blob], { type: 'application/octet-stream' }));
      const link = el('a', { href: url, download: attachment.name, hidden: '' });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), DOWNLOAD_URL_MS);
    } catch (error) { onFailure(error); } finally {
      button.disabled = false;
      button.removeAttribute('aria-busy');
    }
  }

  function fileItem(attachment) {
    const mine = attachment.author === state.me;
    const item = el('li', { class: `file ${mine ? 'mine' : 'team'}`, 'data-attachment': attachment.id });
    const row = el('div', { class: 'file-row' });
    const image = RASTER.has(attachment.mediaType) ? thumbnail(attachment) : null;
    if (image) row.append(image);
    const info = el('div', { class: 'file-info' });
    info.append(el('span', { class: 'file-name' }, attachment.name), el('span', { class: 'file-size' }, size(attachment.size || 0)));
    const button = el('button', { type: 'button', class: 'download', 'data-download': attachment.id,
      'aria-label': t('downloadFile', attachment.name, size(attachment.size || 0)) }, t('download'));
    button.addEventListener('click', () => download(attachment, button));
    info.append(button);
    row.append(info);
    item.append(el('div', { class: 'who' }, who(attachment.author, attachment.at)), row);
    return item;
  }

  // ---------------------------------------------------------------- knowledge base

  function renderArticleList(list, matches, from) {
    list.replaceChildren();
    for (const match of matches) {
      const button = el('button', { type: 'button', 'data-article': match.id });
      // The title is in the article's language, which may not be the page's (lang: screen readers, hyphenation).
      button.append(el('span', { lang: match.language }, match.title), el('span', { class: 'hint' }, match.id));
      button.addEventListener('click', () => openArticle(match.id, from));
      const item = el('li');
      item.append(button);
      list.append(item);
    }
  }

  async function search(text, list, noteId, from) {
    const query = text.trim();
    if (!query) { list.replaceChildren(); if (noteId) note(noteId, ''); return []; }
    try {
      const ack = await request({ type: 'kb.search', query: query.slice(0, 200), limit: 5 });
      const articles = ack.articles || [];
      renderArticleList(list, articles, from);
      if (noteId) note(noteId, articles.length ? t('searchSome', articles.length) : t('searchNone'));
      return articles;
    } catch (error) { onFailure(error); return []; }
  }

  async function openArticle(id, from) {
    state.articleFrom = from;
    note('article-note', '');
    try {
      const article = await rest(`/v1/kb/${encodeURIComponent(id)}`);
      state.article = article;
      $('article-title').textContent = article.title;
      $('article-body').textContent = article.body;
      // The article's own language, not the page's: a screen reader reads it, and the browser hyphenates
      // it, in that one. lang="" says unknown, for an article whose words did not tell.
      for (const id of ['article-title', 'article-body']) $(id).lang = article.language || '';
      show('article', 'article-title');
    } catch (error) { onFailure(error); }
  }

  function openTicketsOf() {
    return [...state.tickets.values()].filter((x) => x.status !== 'resolved' && x.status !== 'closed');
  }

  async function solved() {
    const article = state.article;
    if (!article) return;
    let target = state.articleFrom === 'ticket' ? state.ticket : null;
    if (!target) {
      const open = openTicketsOf();
      if (open.length === 1) target = open[0].id;
      else if (open.length > 1) {
        const answer = window.prompt(`${t('pickTicket')} ${open.map((x) => x.id).join(', ')}`, open[0].id);
        target = open.find((x) => x.id === (answer || '').trim().toUpperCase())?.id ?? null;
      }
    }
    if (!target) { note('article-note', t('solvedNoTicket')); return; }
    try {
      await request({ type: 'kb.apply', ticket: target, article: article.id });
      note('article-note', t('deflectedThanks'));
      await loadTicket(target);
    } catch (error) { onFailure(error); }
  }

  // ---------------------------------------------------------------- opening a ticket

  async function submitTicket(event) {
    event.preventDefault();
    const what = $('what').value.trim();
    const about = choice('about'), since = choice('since'), affected = choice('affected'), urgency = choice('urgency');
    if (!what) { showError(t('needWhat')); $('what').focus(); return; }
    if (!about || !since || !affected || !urgency) { showError(t('needChoices')); $(about ? since ? affected ? 'urgency' : 'affected' : 'since' : 'about').querySelector('input').focus(); return; }
    showError('');
    const details = $('details').value.trim();
    // The hub's description is plain text; "since when" has no field of its own, so it leads it.
    const description = [TEXTS.en.sinceLine(TEXTS.en.sinceChoices[since]), details].filter(Boolean).join('\n\n').slice(0, 4000);
    $('open-submit').disabled = true;
    try {
      const ack = await request({ type: 'ticket.open', title: what.slice(0, 200), description, category: about, urgency, impact: affected });
      // The ticket is there: its files follow, and can be sent again from the ticket if one fails.
      const files = state.pending.open;
      state.pending.open = [];
      renderPending('open');
      note('open-file-note', '');
      $('open-form').reset();
      $('suggestions').hidden = true;
      renderMapping();
      await onSubscribedRefresh(ack.ticket);
      if (files.length) sendFiles(ack.ticket, files);
      note('article-note', '');
      showError('');
      await openTicket(ack.ticket);
      note('ticket-note', t('opened', ack.ticket));
    } catch (error) { onFailure(error); } finally { $('open-submit').disabled = false; }
  }

  async function onSubscribedRefresh(id) {
    if (!state.tickets.has(id)) await loadTicket(id);
  }

  async function act(frame, message) {
    try {
      await request(frame);
      note('ticket-note', message);
    } catch (error) { onFailure(error); }
  }

  // ---------------------------------------------------------------- wiring

  function init() {
    applyTexts();
    $('lang').addEventListener('change', () => {
      lang = TEXTS[$('lang').value] ? $('lang').value : 'en';
      localStorage.setItem(LANG_KEY, lang);
      applyTexts();
    });
    $('login').addEventListener('submit', (event) => {
      event.preventDefault();
      const token = $('token').value.trim();
      if (!token) return;
      showError('');
      start(token);
    });
    $('logout').addEventListener('click', () => {
      stop();
      sessionStorage.removeItem(TOKEN_KEY);
      signedIn(false);
      $('token').value = '';
      $('token').focus();
    });
    for (const tab of document.querySelectorAll('.tab')) {
      tab.addEventListener('click', () => {
        const view = tab.getAttribute('data-view');
        state.ticket = view === 'tickets' ? null : state.ticket;
        show(view, view === 'help' ? 'search' : view === 'open' ? 'what' : 'tickets-title');
      });
    }
    $('tickets-title').setAttribute('tabindex', '-1');
    $('search').addEventListener('input', () => {
      clearTimeout(state.timers.search);
      state.timers.search = setTimeout(() => search($('search').value, $('results'), 'search-note', 'help'), SEARCH_DELAY_MS);
    });
    const suggest = () => {
      clearTimeout(state.timers.suggest);
      state.timers.suggest = setTimeout(async () => {
        const text = `${$('what').value} ${$('details').value}`;
        const found = await search(text, $('suggestion-list'), null, 'open');
        $('suggestions').hidden = found.length === 0;
      }, SEARCH_DELAY_MS);
    };
    $('what').addEventListener('input', suggest);
    $('details').addEventListener('input', suggest);
    $('open-form').addEventListener('submit', submitTicket);
    $('article-back').addEventListener('click', () => {
      const back = state.articleFrom === 'ticket' ? 'ticket' : state.articleFrom;
      show(back, back === 'help' ? 'search' : back === 'open' ? 'what' : 'ticket-title');
    });
    $('solved').addEventListener('click', solved);
    $('not-solved').addEventListener('click', () => {
      if (state.articleFrom === 'help' && !$('what').value) $('what').value = $('search').value;
      show(state.articleFrom === 'ticket' ? 'ticket' : 'open', state.articleFrom === 'ticket' ? 'reply' : 'what');
    });
    $('ticket-back').addEventListener('click', () => { state.ticket = null; show('tickets', 'tickets-title'); });
    $('confirm').addEventListener('click', () => act({ type: 'ticket.status', ticket: state.ticket, status: 'closed' }, t('confirmed')));
    $('reopen').addEventListener('click', () => act({ type: 'ticket.status', ticket: state.ticket, status: 'open' }, t('reopened')));
    $('reply-form').addEventListener('submit', async (event) => {
      event.preventDefault();
      const body = $('reply').value;
      const id = state.ticket;
      const files = state.pending.reply;
      if (!body.trim() && !files.length) { $('reply').focus(); return; }
      $('reply-submit').disabled = true;
      try {
        // The reply first, then its files: a file that fails is sent again alone, never the text.
        if (body.trim()) await request({ type: 'comment.add', ticket: id, body });
        $('reply').value = '';
        state.pending.reply = state.pending.reply.filter((p) => !files.includes(p));
        renderPending('reply');
        note('reply-file-note', '');
        if (files.length) sendFiles(id, files);
        note('ticket-note', body.trim() ? t('replySent') : t('filesSending'));
      } catch (error) { onFailure(error); } finally { $('reply-submit').disabled = false; }
    });
    for (const form of ['open', 'reply']) {
      $(`${form}-attach`).addEventListener('click', () => $(`${form}-file`).click());
      $(`${form}-file`).addEventListener('change', () => {
        const input = $(`${form}-file`);
        addFiles(form, input.files).finally(() => { input.value = ''; });
      });
    }
    document.addEventListener('paste', onPaste);
    document.addEventListener('dragover', onDragOver);
    document.addEventListener('dragleave', (event) => { if (!event.relatedTarget) onDragEnd(); });
    document.addEventListener('drop', onDrop);
    // The browser came back online, or the tab became visible: retry at once rather than after the backoff.
    window.addEventListener('online', () => socket.reconnectNow());
    document.addEventListener('visibilitychange', () => { if (!document.hidden) socket.reconnectNow(); });
    show('help');
    signedIn(false);
    const saved = sessionStorage.getItem(TOKEN_KEY);
    if (saved) start(saved);
  }

  document.addEventListener('DOMContentLoaded', init);
})();
