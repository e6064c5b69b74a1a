/*
 * The family assistant's chat widget: plain JavaScript, no framework, no third-party code.
 *
 * It talks to Rasa's REST channel (POST {sender, message}; the reply is a list of messages with
 * text, buttons and a `custom` payload that follows its text). Its settings come from the page, in
 * <script type="application/json" id="caregiver-chat-config"> (bot/web_server.py writes it).
 *
 * Privacy: the sender id is crypto.randomUUID(), kept with the transcript in sessionStorage only,
 * so both go when the tab closes. Nothing goes to localStorage or cookies.
 * Safety: every text, the user's and the bot's, is set with textContent, never as HTML; links are
 * made only from http(s) URLs in the bot's structured data.
 */
(function () {
  "use strict";

  var STORE_KEY = "caregiverChat";
  var REQUEST_TIMEOUT_MS = 30000;
  var MAX_MESSAGE_LENGTH = 2000;
  var PERSON_PAYLOAD = "/talk_to_person";

  function readConfig() {
    var block = document.getElementById("caregiver-chat-config");
    var config = {};
    if (block) {
      try {
        config = JSON.parse(block.textContent) || {};
      } catch (error) {
        config = {};
      }
    }
    // Without settings the widget still opens and says how to reach people.
    config.banner = config.banner || "Information only, not medical advice. In an emergency, call 911.";
    config.unreachable = config.unreachable ||
      "I can't reach the assistant right now. Please contact your child's care team. In an emergency, call 911.";
    config.welcome = config.welcome || "";
    config.careTeam = config.careTeam || {};
    return config;
  }

  function newSenderId() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    // Pages served over plain http on a non-local host have no randomUUID: same format, same source.
    var bytes = window.crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  }

  function loadState() {
    try {
      var saved = JSON.parse(window.sessionStorage.getItem(STORE_KEY) || "null");
      if (saved && typeof saved.sender === "string" && Array.isArray(saved.items)) {
        return saved;
      }
    } catch (error) {
      // Storage blocked or corrupt: start afresh.
    }
    return { sender: newSenderId(), items: [], open: false };
  }

  function saveState(state) {
    try {
      window.sessionStorage.setItem(STORE_KEY, JSON.stringify(state));
    } catch (error) {
      // Private modes may refuse storage; the conversation still works for this page.
    }
  }

  function el(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      node.setAttribute(name, attributes[name]);
    });
    if (text !== undefined && text !== null) {
      node.textContent = String(text);
    }
    return node;
  }

  function safeUrl(value) {
    try {
      var url = new URL(String(value), window.location.href);
      return url.protocol === "https:" || url.protocol === "http:" || url.protocol === "tel:" ? url.href : null;
    } catch (error) {
      return null;
    }
  }

  function contactLinks(careTeam) {
    var links = [];
    if (careTeam.phone) {
      links.push({ title: "Call your child's care team: " + careTeam.phone, url: "tel:" + careTeam.phone.replace(/[^0-9+]/g, "") });
    }
    if (careTeam.url) {
      links.push({ title: "Your child's care team (website)", url: careTeam.url });
    }
    return links;
  }

  /* Rasa's REST channel sends a message's `custom` payload as its own item right after the text.
     Fold each payload into the message before it, so a reply is one bubble with its source. */
  function toMessages(items) {
    var messages = [];
    (Array.isArray(items) ? items : []).forEach(function (item) {
      if (!item || typeof item !== "object") {
        return;
      }
      var custom = item.custom && typeof item.custom === "object" ? item.custom : null;
      if (typeof item.text === "string" && item.text.trim()) {
        messages.push({ who: "bot", text: item.text, buttons: buttonsOf(item.buttons), kind: "", source: "", links: [] });
      } else if (Array.isArray(item.buttons) && messages.length) {
        messages[messages.length - 1].buttons = buttonsOf(item.buttons);
      }
      if (custom && messages.length) {
        var last = messages[messages.length - 1];
        last.kind = typeof custom.type === "string" ? custom.type : "";
        last.source = typeof custom.source_section === "string" ? custom.source_section : "";
        last.links = (Array.isArray(custom.links) ? custom.links : []).filter(function (link) {
          return link && typeof link.title === "string" && safeUrl(link.url);
        }).map(function (link) { return { title: link.title, url: safeUrl(link.url) }; });
      }
    });
    return messages;
  }

  function buttonsOf(buttons) {
    return (Array.isArray(buttons) ? buttons : []).filter(function (button) {
      return button && typeof button.title === "string" && typeof button.payload === "string";
    }).map(function (button) { return { title: button.title, payload: button.payload }; });
  }

  function ChatWidget(root, config) {
    this.root = root;
    this.config = config;
    this.state = loadState();
    this.queue = Promise.resolve();
    this.pending = 0;
    this.build();
    this.renderAll();
    if (this.state.open) {
      this.open(false);
    }
  }

  ChatWidget.prototype.build = function () {
    var self = this;
    var root = this.root;
    root.classList.add("cw");

    this.launcher = el("button", { type: "button", class: "cw-launcher", "aria-expanded": "false",
      "aria-controls": "cw-panel" });
    this.launcher.appendChild(el("span", { class: "cw-launcher-icon", "aria-hidden": "true" }, "?"));
    this.launcher.appendChild(el("span", {}, "Questions? Chat with our family assistant"));
    this.launcher.addEventListener("click", function () {
      if (self.panel.hidden) {
        self.open(true);
      } else {
        self.close();
      }
    });

    this.panel = el("div", { id: "cw-panel", class: "cw-panel", role: "dialog", "aria-labelledby": "cw-title" });
    this.panel.hidden = true;
    this.panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        event.preventDefault();
        self.close();
      }
    });

    var header = el("div", { class: "cw-header" });
    var titles = el("div", { class: "cw-titles" });
    titles.appendChild(el("h2", { id: "cw-title", class: "cw-title" }, "Family assistant"));
    this.status = el("p", { class: "cw-status", role: "status" }, "");
    titles.appendChild(this.status);
    header.appendChild(titles);
    var close = el("button", { type: "button", class: "cw-close" });
    close.appendChild(el("span", { class: "cw-close-icon", "aria-hidden": "true" }, "\u00d7"));
    close.appendChild(el("span", {}, "Close"));
    close.addEventListener("click", function () { self.close(); });
    header.appendChild(close);
    this.panel.appendChild(header);

    this.panel.appendChild(el("p", { class: "cw-banner" }, this.config.banner));

    var tools = el("div", { class: "cw-tools", role: "group", "aria-label": "Conversation tools" });
    var person = el("button", { type: "button", class: "cw-tool" }, "Talk to a person");
    person.addEventListener("click", function () { self.send(PERSON_PAYLOAD, "Talk to a person"); });
    var clear = el("button", { type: "button", class: "cw-tool" }, "Clear conversation");
    clear.addEventListener("click", function () { self.clear(); });
    var download = el("button", { type: "button", class: "cw-tool" }, "Download transcript");
    download.addEventListener("click", function () { self.download(); });
    tools.appendChild(person);
    tools.appendChild(clear);
    tools.appendChild(download);
    this.panel.appendChild(tools);

    this.log = el("div", { class: "cw-log", role: "log", "aria-live": "polite", "aria-relevant": "additions",
      "aria-label": "Conversation", tabindex: "0" });
    this.panel.appendChild(this.log);

    this.typing = el("p", { class: "cw-typing" });
    this.typing.appendChild(el("span", { class: "cw-dots", "aria-hidden": "true" }));
    this.typing.appendChild(el("span", {}, "The assistant is writing\u2026"));
    this.typing.hidden = true;
    this.panel.appendChild(this.typing);

    var form = el("form", { class: "cw-form", novalidate: "" });
    form.appendChild(el("label", { for: "cw-input", class: "cw-label" }, "Type your question"));
    var row = el("div", { class: "cw-row" });
    this.input = el("textarea", { id: "cw-input", class: "cw-input", rows: "2", maxlength: String(MAX_MESSAGE_LENGTH),
      autocomplete: "off", "aria-describedby": "cw-hint" });
    row.appendChild(this.input);
    row.appendChild(el("button", { type: "submit", class: "cw-send" }, "Send"));
    form.appendChild(row);
    form.appendChild(el("p", { id: "cw-hint", class: "cw-hint" }, "Press Enter to send, Shift+Enter for a new line."));
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      self.submitInput();
    });
    this.input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        self.submitInput();
      }
    });
    this.panel.appendChild(form);

    root.appendChild(this.panel);
    root.appendChild(this.launcher);
  };

  ChatWidget.prototype.open = function (moveFocus) {
    this.panel.hidden = false;
    this.launcher.setAttribute("aria-expanded", "true");
    this.root.classList.add("cw-is-open");
    this.state.open = true;
    saveState(this.state);
    this.log.scrollTop = this.log.scrollHeight;
    if (moveFocus) {
      this.input.focus();
    }
    this.checkConnection();
  };

  ChatWidget.prototype.close = function () {
    this.panel.hidden = true;
    this.launcher.setAttribute("aria-expanded", "false");
    this.root.classList.remove("cw-is-open");
    this.state.open = false;
    saveState(this.state);
    this.launcher.focus();
  };

  ChatWidget.prototype.setStatus = function (online, text) {
    this.status.textContent = text;
    this.status.className = "cw-status " + (online === null ? "cw-status-checking" : online ? "cw-status-online" : "cw-status-offline");
  };

  ChatWidget.prototype.checkConnection = function () {
    var self = this;
    if (!this.config.statusUrl) {
      this.setStatus(false, "Not connected");
      return;
    }
    this.setStatus(null, "Connecting\u2026");
    fetchWithTimeout(this.config.statusUrl, { method: "GET" }).then(function (response) {
      self.setStatus(response.ok, response.ok ? "Connected" : "Not connected");
    }, function () {
      self.setStatus(false, "Not connected");
    });
  };

  ChatWidget.prototype.submitInput = function () {
    var text = this.input.value.replace(/\s+$/, "");
    if (!text.trim()) {
      this.input.focus();
      return;
    }
    this.input.value = "";
    this.send(text, text);
    this.input.focus();
  };

  ChatWidget.prototype.send = function (message, shown) {
    this.removeQuickReplies();
    this.add({ who: "user", text: shown });
    this.dispatch(message, shown);
  };

  /* Messages go one at a time, in the order they were sent; a failed one can be sent again
     ("Try again") without showing it twice. */
  ChatWidget.prototype.dispatch = function (message, shown) {
    var self = this;
    this.pending += 1;
    this.typing.hidden = false;
    function settled() {
      self.pending -= 1;
      self.typing.hidden = self.pending <= 0;
    }
    this.queue = this.queue.then(function () {
      return self.post(message);
    }).then(function (items) {
      var replies = toMessages(items);
      settled();
      if (!replies.length) {
        // Nothing to read (an empty list, or payloads only) helps a family no more than no answer.
        self.showUnreachable(message, shown);
        self.setStatus(false, "No reply");
        return;
      }
      replies.forEach(function (reply) { self.add(reply); });
      self.setStatus(true, "Connected");
    }, function () {
      settled();
      self.showUnreachable(message, shown);
      self.setStatus(false, "Not connected");
    });
  };

  ChatWidget.prototype.post = function (message) {
    if (!this.config.restUrl) {
      return Promise.reject(new Error("no REST URL"));
    }
    return fetchWithTimeout(this.config.restUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sender: this.state.sender, message: message })
    }).then(function (response) {
      if (!response.ok) {
        throw new Error("HTTP " + response.status);
      }
      return response.json();
    });
  };

  ChatWidget.prototype.showUnreachable = function (message, shown) {
    var self = this;
    var bubble = this.bubble({ who: "bot", kind: "unreachable", text: this.config.unreachable,
      links: contactLinks(this.config.careTeam) });
    var lines = this.config.careTeamLines || [];
    if (lines.length) {
      bubble.insertBefore(el("p", { class: "cw-contact" }, lines.join("\n")), bubble.querySelector(".cw-links"));
    }
    var retry = el("button", { type: "button", class: "cw-reply" }, "Try again");
    retry.addEventListener("click", function () {
      bubble.remove();
      self.input.focus();
      self.dispatch(message, shown);
    });
    var group = el("div", { class: "cw-replies", role: "group", "aria-label": "Message not sent" });
    group.appendChild(retry);
    bubble.appendChild(group);
    this.log.appendChild(bubble);
    this.log.scrollTop = this.log.scrollHeight;
  };

  ChatWidget.prototype.add = function (item) {
    this.state.items.push(item);
    saveState(this.state);
    this.log.appendChild(this.bubble(item));
    this.log.scrollTop = this.log.scrollHeight;
  };

  ChatWidget.prototype.bubble = function (item) {
    var self = this;
    var bubble = el("div", { class: "cw-msg cw-" + item.who + (item.kind ? " cw-kind-" + item.kind : "") });
    bubble.appendChild(el("span", { class: "cw-sr" }, item.who === "user" ? "You said: " : "Assistant: "));
    bubble.appendChild(el("p", { class: "cw-text" }, item.text));
    if (item.source) {
      bubble.appendChild(el("p", { class: "cw-source" }, "Source: the hospital's page, section \u201c" + item.source + "\u201d"));
    }
    if (item.links && item.links.length) {
      var list = el("ul", { class: "cw-links" });
      item.links.forEach(function (link) {
        var anchor = el("a", { href: link.url, rel: "noopener noreferrer", target: "_blank" }, link.title);
        anchor.appendChild(el("span", { class: "cw-sr" }, " (opens in a new tab)"));
        var entry = el("li");
        entry.appendChild(anchor);
        list.appendChild(entry);
      });
      bubble.appendChild(list);
    }
    if (item.buttons && item.buttons.length) {
      var group = el("div", { class: "cw-replies", role: "group", "aria-label": "Suggested replies" });
      item.buttons.forEach(function (button) {
        var node = el("button", { type: "button", class: "cw-reply" }, button.title);
        node.addEventListener("click", function () {
          self.send(button.payload, button.title);
          self.input.focus();
        });
        group.appendChild(node);
      });
      bubble.appendChild(group);
    }
    return bubble;
  };

  /* Buttons belong to the latest question only: once the family answers, older ones go. */
  ChatWidget.prototype.removeQuickReplies = function () {
    this.state.items.forEach(function (item) { delete item.buttons; });
    Array.prototype.forEach.call(this.log.querySelectorAll(".cw-replies"), function (group) {
      group.remove();
    });
  };

  ChatWidget.prototype.renderAll = function () {
    var self = this;
    this.log.textContent = "";
    if (this.config.welcome) {
      this.log.appendChild(this.bubble({ who: "bot", kind: "welcome", text: this.config.welcome }));
    }
    this.state.items.forEach(function (item) { self.log.appendChild(self.bubble(item)); });
  };

  ChatWidget.prototype.clear = function () {
    this.state = { sender: newSenderId(), items: [], open: true };
    saveState(this.state);
    this.renderAll();
    this.setStatus(null, "Conversation cleared");
    this.input.focus();
  };

  ChatWidget.prototype.transcript = function () {
    var lines = ["Conversation with the family assistant", "Saved " + new Date().toLocaleString(),
      this.config.banner, ""];
    this.state.items.forEach(function (item) {
      lines.push((item.who === "user" ? "You: " : "Assistant: ") + item.text);
      if (item.source) {
        lines.push("  Source: the hospital's page, section \"" + item.source + "\"");
      }
      (item.links || []).forEach(function (link) { lines.push("  " + link.title + ": " + link.url); });
      lines.push("");
    });
    return lines.join("\n");
  };

  ChatWidget.prototype.download = function () {
    var blob = new Blob([this.transcript()], { type: "text/plain;charset=utf-8" });
    var url = URL.createObjectURL(blob);
    var anchor = el("a", { href: url, download: "conversation-" + new Date().toISOString().slice(0, 10) + ".txt" });
    anchor.hidden = true;
    document.body.appendChild(anchor);
    anchor.click();
    anchor.remove();
    window.setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
  };

  function fetchWithTimeout(url, options) {
    var controller = new AbortController();
    var timer = window.setTimeout(function () { controller.abort(); }, REQUEST_TIMEOUT_MS);
    options.signal = controller.signal;
    options.credentials = "omit";
    options.referrerPolicy = "no-referrer";
    return window.fetch(url, options).finally(function () { window.clearTimeout(timer); });
  }

  function start() {
    var root = document.getElementById("caregiver-chat");
    if (!root) {
      root = el("aside", { id: "caregiver-chat", "aria-label": "Chat with the family assistant" });
      document.body.appendChild(root);
    }
    new ChatWidget(root, readConfig());
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
