// The task list: list (newest first, a page at a time), add, complete,
// delete, sign out. Any 401 means the session is over (expired, or the
// password was reset elsewhere): back to sign-in with a notice.
import { api } from "/js/api.js";
import { busy, describe, noCheck, onSubmit, say, showError, warn } from "/js/form.js";
import * as session from "/js/session.js";
import { t, useAccountLocale } from "/js/i18n.js";

const accessToken = session.token();
if (!accessToken) location.replace("/sign-in");

const form = document.getElementById("form");
const title = form.elements.namedItem("title");
const list = document.getElementById("tasks");
const empty = document.getElementById("empty");
const more = document.getElementById("more");
let cursor = null;

function call(method, path, body) {
  return api(method, path, { body, token: accessToken });
}

function failed(err) {
  if (err.status === 401) {
    session.signOut();
    session.leaveNotice(t("Your session has ended. Sign in again."));
    location.replace("/sign-in");
    return;
  }
  warn(describe(err));
}

function refreshEmpty() {
  empty.hidden = list.children.length > 0;
}

function render(task) {
  const li = document.createElement("li");
  li.className = "task";
  li.dataset.id = String(task.id);
  const box = document.createElement("input");
  box.type = "checkbox";
  box.id = "task-" + task.id;
  box.checked = task.completed;
  const label = document.createElement("label");
  label.htmlFor = box.id;
  label.textContent = task.title;
  const del = document.createElement("button");
  del.type = "button";
  del.className = "secondary delete";
  del.textContent = t("Delete");
  const hidden = document.createElement("span");
  hidden.className = "visually-hidden";
  hidden.textContent = " “" + task.title + "”";
  del.append(hidden);
  li.classList.toggle("done", task.completed);

  box.addEventListener("change", async () => {
    box.disabled = true;
    try {
      const { data } = await call("PATCH", "/api/tasks/" + task.id, { completed: box.checked });
      task = data.task;
      li.classList.toggle("done", task.completed);
      say((task.completed ? "Completed “" : "Reopened “") + task.title + "”.");
    } catch (err) {
      box.checked = !box.checked;
      failed(err);
    } finally {
      box.disabled = false;
    }
  });

  del.addEventListener("click", async () => {
    del.disabled = true;
    try {
      await call("DELETE", "/api/tasks/" + task.id);
      // Keep keyboard focus in the list: on the next task, else the previous, else the input.
      const next = li.nextElementSibling || li.previousElementSibling;
      li.remove();
      refreshEmpty();
      (next ? next.querySelector("input") : title).focus();
      say("Deleted “" + task.title + "”.");
    } catch (err) {
      del.disabled = false;
      failed(err);
    }
  });

  li.append(box, label, del);
  return li;
}

async function load() {
  try {
    const q = cursor ? "?cursor=" + encodeURIComponent(cursor) : "";
    const { data } = await call("GET", "/api/tasks" + q);
    for (const t of data.tasks) list.append(render(t));
    cursor = data.next_cursor;
    more.hidden = !cursor;
    refreshEmpty();
  } catch (err) {
    failed(err);
  }
}

async function start() {
  const notice = session.takeNotice();
  if (notice) say(notice);
  try {
    const { data } = await call("GET", "/api/auth/me");
    // Before the tasks render: their words are in the page's language.
    useAccountLocale(data.user.locale);
    document.getElementById("who").textContent = "Signed in as " + data.user.name + " (" + data.user.email + ").";
  } catch (err) {
    failed(err);
    return;
  }
  await load();
}

// The form stays in use: it is freed, and focus goes back to the title,
// after every attempt.
onSubmit(
  form,
  async () => {
    try {
      const { data } = await call("POST", "/api/tasks", { title: title.value });
      list.prepend(render(data.task));
      refreshEmpty();
      form.reset();
      say("Added “" + data.task.title + "”.");
    } finally {
      busy(form, false);
      title.focus();
    }
  },
  { check: noCheck, fail: (err) => (err.status === 401 ? failed(err) : showError(form, err)) },
);

more.addEventListener("click", load);

document.getElementById("sign-out").addEventListener("click", () => {
  session.signOut();
  // In English, the key: the sign-in page writes it in its own language,
  // which is no longer the account's once signed out.
  session.leaveNotice("You have signed out.");
  location.assign("/sign-in");
});

if (accessToken) start();
