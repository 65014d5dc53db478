/* kettle.js: the small browser client of Kettle's realtime channels. No dependencies,
 * no build step; include it with <script src="..."></script>.
 *
 * - Kettle.apply(payload): apply pushed HTML fragments ({op, target, html}, a list of
 *   them, or their JSON text). Ops: replace (outer HTML), append, prepend, remove.
 * - Kettle.stream(url): an EventSource that applies "fragment" events (and "message"
 *   events that carry fragments), reconnecting with backoff when the server goes away.
 * - Kettle.socket(url): a WebSocket that applies fragment messages, queues sends while
 *   disconnected, and reconnects with backoff.
 * - <form data-kettle>: submitted with fetch; a JSON reply of fragments is applied, the
 *   form is reset on success. Events "kettle:submitted" / "kettle:failed" bubble.
 * - Auto-start: any element with data-kettle-sse="/url" or data-kettle-ws="/url";
 *   this script tag's data-livereload="/url" turns on live reload.
 * Every received message is also dispatched on document as a "kettle:message" event;
 * "kettle:reconnected" fires after a dropped stream or socket is back, and
 * Kettle.refresh(["id", ...]) refetches the page and swaps those elements in.
 */
(function () {
  "use strict";

  if (window.Kettle) {
    // Loaded twice (the page's tag and live reload's): keep one client, add live reload.
    var again = document.currentScript;
    if (again && again.getAttribute("data-livereload")) {
      window.Kettle.livereload(again.getAttribute("data-livereload"));
    }
    return;
  }

  function parse(payload) {
    if (typeof payload === "string") {
      try {
        return JSON.parse(payload);
      } catch (e) {
        return null;
      }
    }
    return payload;
  }

  function isFragment(item) {
    return item && typeof item === "object" && typeof item.op === "string" &&
      typeof item.target === "string";
  }

  function fragmentsOf(payload) {
    var data = parse(payload);
    if (Array.isArray(data)) return data.filter(isFragment);
    return isFragment(data) ? [data] : [];
  }

  function nodesOf(html) {
    var template = document.createElement("template");
    template.innerHTML = html || "";
    return template.content;
  }

  function applyOne(fragment) {
    var element = document.getElementById(fragment.target);
    if (!element) return false;
    switch (fragment.op) {
      case "replace":
        element.replaceWith(nodesOf(fragment.html));
        break;
      case "append":
        element.append(nodesOf(fragment.html));
        break;
      case "prepend":
        element.prepend(nodesOf(fragment.html));
        break;
      case "remove":
        element.remove();
        break;
      default:
        return false;
    }
    return true;
  }

  function apply(payload) {
    var applied = 0;
    fragmentsOf(payload).forEach(function (fragment) {
      if (applyOne(fragment)) applied += 1;
    });
    return applied;
  }

  function announce(source, data) {
    document.dispatchEvent(new CustomEvent("kettle:message", {
      detail: { source: source, data: data },
    }));
  }

  function backoff(attempt) {
    return Math.min(5000, 250 * Math.pow(2, attempt)) * (0.75 + Math.random() / 2);
  }

  // After a reconnect, messages sent while the connection was down are gone: tell the
  // page, so it can refresh what it shows (see refresh()).
  function reconnected(url) {
    document.dispatchEvent(new CustomEvent("kettle:reconnected", { detail: { source: url } }));
  }

  // Replace the elements with the given ids by their current version from the server.
  function refresh(ids, url) {
    return fetch(url || location.href, {
      headers: { "Accept": "text/html" },
      credentials: "same-origin",
    }).then(function (response) {
      return response.text();
    }).then(function (html) {
      var fresh = new DOMParser().parseFromString(html, "text/html");
      ids.forEach(function (id) {
        var now = document.getElementById(id);
        var next = fresh.getElementById(id);
        if (now && next) now.replaceWith(document.importNode(next, true));
      });
    });
  }

  function setState(name, state) {
    document.documentElement.setAttribute("data-kettle-" + name + "-state", state);
  }

  function stream(url, options) {
    options = options || {};
    var attempt = 0;
    var opened = false;
    var handle = { source: null, closed: false };
    function connect() {
      if (handle.closed) return;
      var source = new EventSource(url);
      handle.source = source;
      source.addEventListener("open", function () {
        attempt = 0;
        setState("sse", "open");
        if (opened) reconnected(url);
        opened = true;
      });
      source.addEventListener("fragment", function (event) {
        apply(event.data);
        announce(url, event.data);
      });
      source.addEventListener("message", function (event) {
        apply(event.data);
        announce(url, event.data);
        if (options.onmessage) options.onmessage(event);
      });
      source.addEventListener("error", function () {
        setState("sse", "reconnecting");
        if (source.readyState === EventSource.CLOSED) {
          setTimeout(connect, backoff(attempt++));
        }
      });
    }
    handle.close = function () {
      handle.closed = true;
      if (handle.source) handle.source.close();
    };
    connect();
    return handle;
  }

  function socket(url, options) {
    options = options || {};
    var attempt = 0;
    var opened = false;
    var queue = [];
    var handle = { ws: null, closed: false };
    var absolute = new URL(url, location.href);
    absolute.protocol = absolute.protocol === "https:" ? "wss:" : "ws:";
    function connect() {
      if (handle.closed) return;
      var ws = new WebSocket(absolute.href, options.protocols || []);
      handle.ws = ws;
      ws.addEventListener("open", function () {
        attempt = 0;
        setState("ws", "open");
        if (opened) reconnected(url);
        opened = true;
        while (queue.length) ws.send(queue.shift());
      });
      ws.addEventListener("message", function (event) {
        apply(event.data);
        announce(url, event.data);
        if (options.onmessage) options.onmessage(event);
      });
      ws.addEventListener("close", function () {
        setState("ws", "reconnecting");
        if (!handle.closed) setTimeout(connect, backoff(attempt++));
      });
    }
    handle.send = function (data) {
      if (typeof data !== "string" && !(data instanceof Blob) &&
          !(data instanceof ArrayBuffer)) {
        data = JSON.stringify(data);
      }
      if (handle.ws && handle.ws.readyState === WebSocket.OPEN) handle.ws.send(data);
      else queue.push(data);
    };
    handle.close = function () {
      handle.closed = true;
      if (handle.ws) handle.ws.close(1000);
    };
    connect();
    return handle;
  }

  function submit(form, submitter) {
    var method = (form.getAttribute("method") || "GET").toUpperCase();
    var action = form.getAttribute("action") || location.href;
    var body = new FormData(form);
    if (submitter && submitter.name) body.append(submitter.name, submitter.value);
    var init = {
      method: method,
      headers: { "X-Requested-With": "fetch", "Accept": "application/json, text/html" },
      credentials: "same-origin",
    };
    if (method === "GET") {
      var target = new URL(action, location.href);
      new URLSearchParams(body).forEach(function (value, key) {
        target.searchParams.append(key, value);
      });
      action = target.href;
    } else {
      init.body = body;
    }
    form.setAttribute("aria-busy", "true");
    return fetch(action, init).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      return (type.indexOf("json") >= 0 ? response.json() : response.text()).then(
        function (data) {
          if (!response.ok) throw { status: response.status, data: data };
          apply(data);
          form.reset();
          form.dispatchEvent(new CustomEvent("kettle:submitted", {
            bubbles: true, detail: { status: response.status, data: data },
          }));
          return data;
        });
    }).catch(function (error) {
      form.dispatchEvent(new CustomEvent("kettle:failed", { bubbles: true, detail: error }));
    }).finally(function () {
      form.removeAttribute("aria-busy");
    });
  }

  function livereload(url) {
    var bootId = null;
    var source = null;
    function connect() {
      source = new EventSource(url);
      source.addEventListener("hello", function (event) {
        // A different boot id means the server restarted (a Python change): reload.
        if (bootId !== null && bootId !== event.data) location.reload();
        bootId = event.data;
      });
      source.addEventListener("reload", function () {
        location.reload();
      });
      source.addEventListener("error", function () {
        if (source.readyState === EventSource.CLOSED) setTimeout(connect, 500);
      });
    }
    connect();
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-kettle")) return;
    event.preventDefault();
    submit(form, event.submitter);
  });

  var script = document.currentScript;

  function start() {
    document.querySelectorAll("[data-kettle-sse]").forEach(function (element) {
      stream(element.getAttribute("data-kettle-sse"));
    });
    document.querySelectorAll("[data-kettle-ws]").forEach(function (element) {
      window.Kettle.sockets.push(socket(element.getAttribute("data-kettle-ws")));
    });
    if (script && script.getAttribute("data-livereload")) {
      livereload(script.getAttribute("data-livereload"));
    }
  }

  window.Kettle = {
    apply: apply,
    stream: stream,
    socket: socket,
    submit: submit,
    refresh: refresh,
    livereload: livereload,
    sockets: [],
  };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
