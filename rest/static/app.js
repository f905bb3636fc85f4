// The page's whole logic: list users a page at a time, create one through the form, delete
// one per row, and show any API error (its JSON `message`) to the person. Text only ever goes
// into the page through `textContent`, so names cannot inject HTML.
"use strict";

const PAGE_SIZE = 10;
let offset = 0;

const $ = (id) => document.getElementById(id);

// Calls the API; resolves to the parsed JSON body (or null for 204), rejects with an Error
// whose message is the server's explanation.
async function api(method, path, body) {
  const init = { method, headers: {} };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const message = data && data.message ? data.message : response.statusText;
    throw new Error(`${response.status}: ${message}`);
  }
  return data;
}

function showError(error) {
  $("error").textContent = error ? error.message : "";
  $("error").hidden = !error;
}

function row(user) {
  const tr = document.createElement("tr");
  tr.dataset.id = user.id;
  for (const text of [user.id, user.name, user.email]) {
    const td = document.createElement("td");
    td.textContent = text;
    tr.append(td);
  }
  const remove = document.createElement("button");
  remove.type = "button";
  remove.textContent = "Delete";
  remove.setAttribute("aria-label", `Delete ${user.name}`);
  remove.addEventListener("click", () => removeUser(user.id));
  const td = document.createElement("td");
  td.append(remove);
  tr.append(td);
  return tr;
}

const fetchPage = () => api("GET", `/users?offset=${offset}&limit=${PAGE_SIZE}`);

// Shows the page at `offset`; with `toLast`, or when that page has become empty (its last
// user deleted), the last page instead.
async function refresh({ toLast = false } = {}) {
  try {
    let page = await fetchPage();
    if (toLast || (page.users.length === 0 && offset > 0)) {
      const lastOffset = Math.max(0, Math.floor((page.total - 1) / PAGE_SIZE) * PAGE_SIZE);
      if (lastOffset !== offset) {
        offset = lastOffset;
        page = await fetchPage();
      }
    }
    $("users").replaceChildren(...page.users.map(row));
    const last = page.offset + page.users.length;
    $("page-info").textContent =
      page.total === 0 ? "No users" : `${page.offset + 1}–${last} of ${page.total}`;
    $("previous").disabled = page.offset === 0;
    $("next").disabled = last >= page.total;
  } catch (error) {
    showError(error);
  }
}

async function removeUser(id) {
  try {
    await api("DELETE", `/users/${id}`);
    showError(null);
  } catch (error) {
    showError(error);
  }
  await refresh();
}

$("create-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    await api("POST", "/users", { name: $("name").value, email: $("email").value });
    showError(null);
    event.target.reset();
    await refresh({ toLast: true }); // where the new user, with the highest id, is
  } catch (error) {
    showError(error);
  }
});

$("previous").addEventListener("click", () => {
  offset = Math.max(0, offset - PAGE_SIZE);
  refresh();
});
$("next").addEventListener("click", () => {
  offset += PAGE_SIZE;
  refresh();
});

refresh();
