// Loaded by `python build.py bench` into a visit of the app shell, once a view is ready:
// ondeviceSwitch(view, sample URL) moves to `view` with ondevice.navigate, waits until
// <body data-view=view data-state=ready>, then gets the view's first result through ondeviceBench.
// Returns ms since the navigate call ("ready", "session-created" when the switch created a session,
// "first-result") and ondevice.pythonStarts.

function mounted(view) {
  const done = () => document.body.dataset.view === view && document.body.dataset.state === "ready";
  return new Promise((resolve) => {
    const observer = new MutationObserver(() => {
      if (done()) { observer.disconnect(); resolve(); }
    });
    observer.observe(document.body, { attributes: true, attributeFilter: ["data-view", "data-state"] });
  });
}

globalThis.ondeviceSwitch = async (view, url) => {
  const waiting = mounted(view); // observing before the navigate call: it may mount at once
  const started = performance.now();
  const since = (time) => time - started;
  ondevice.navigate(view);
  await waiting;
  const ready = since(performance.now());
  await ondeviceBench(1, url);
  const times = { ready, "first-result": since(performance.now()), pythonStarts: ondevice.pythonStarts };
  const session = since(ondevice.marks["session-created"] ?? -Infinity);
  return session > 0 ? { ...times, "session-created": session } : times;
};
