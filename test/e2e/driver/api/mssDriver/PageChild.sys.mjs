/* TEST ONLY — a window actor child that lets the end-to-end driver read and click the MSSanté
 * extension's pages (they run in the separate extension process, out of reach of parent code).
 * Registered by implementation.js for moz-extension pages; never shipped. */

function visible(el) {
  for (let e = el; e; e = e.parentElement) {
    if (e.hidden) return false;
  }
  return true;
}

function describe(doc, selector) {
  const el = doc.querySelector(selector);
  if (!el) return { exists: false };
  return {
    exists: true,
    visible: visible(el),
    text: (el.innerText ?? el.textContent ?? "").trim().slice(0, 4000),
    value: "value" in el ? el.value : null,
    checked: "checked" in el ? el.checked : null,
    disabled: "disabled" in el ? el.disabled : null,
    dataset: { ...el.dataset },
  };
}

export class MssE2EPageChild extends JSWindowActorChild {
  async receiveMessage(msg) {
    const doc = this.document;
    const d = msg.data || {};
    switch (msg.name) {
      case "snapshot": {
        const elements = {};
        for (const s of d.selectors || []) elements[s] = describe(doc, s);
        return {
          url: doc.location.href,
          readyState: doc.readyState,
          text: (doc.body ? doc.body.innerText : "").slice(0, 20000),
          elements,
        };
      }
      case "click": {
        const el = doc.querySelector(d.selector);
        if (!el) return { ok: false, error: `no element ${d.selector}` };
        if (!visible(el)) return { ok: false, error: `${d.selector} is hidden` };
        if (el.disabled) return { ok: false, error: `${d.selector} is disabled` };
        el.click();
        return { ok: true };
      }
      case "set": {
        const el = doc.querySelector(d.selector);
        if (!el) return { ok: false, error: `no element ${d.selector}` };
        el.value = d.value;
        el.dispatchEvent(new this.contentWindow.Event("input", { bubbles: true }));
        el.dispatchEvent(new this.contentWindow.Event("change", { bubbles: true }));
        return { ok: true };
      }
      case "file": {
        // A file input's choice, as the file picker would make it (mozSetFileArray: chrome only).
        const el = doc.querySelector(d.selector);
        if (!el) return { ok: false, error: `no element ${d.selector}` };
        const file = new this.contentWindow.File([new Uint8Array(d.bytes)], d.name, { type: d.type });
        el.mozSetFileArray([file]);
        el.dispatchEvent(new this.contentWindow.Event("input", { bubbles: true }));
        el.dispatchEvent(new this.contentWindow.Event("change", { bubbles: true }));
        return { ok: true };
      }
      default:
        return { ok: false, error: `unknown page operation ${msg.name}` };
    }
  }
}
