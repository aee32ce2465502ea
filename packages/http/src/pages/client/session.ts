/**
 * The browser side of a page's credentials, as one ES module (`/assets/session.js`). A page's link
 * carries `?token=`; the server exchanges it for an HttpOnly, SameSite=Strict cookie and
 * redirects to the clean address before this script runs, so the script never holds the token:
 * API calls and the event stream go with the cookie, and the page's data only says who is signed in.
 */
export const SESSION_SCRIPT = String.raw`
const pageData = () => {
  try {
    return JSON.parse(document.getElementById("page-data").textContent || "{}");
  } catch {
    return {};
  }
};

/** The session the server opened for this page (from its cookie), or null. */
export function openSession(scope) {
  const current = pageData().session;
  if (current && current.expired) return expiredSession();
  return current && current.subject ? session(scope, current) : null;
}

/** A token pasted into a page's form: posted (never in a URL), exchanged by the server for the cookie. */
export function saveSession(scope, token) {
  const form = document.createElement("form");
  form.method = "post";
  form.action = location.pathname + location.search;
  const field = document.createElement("input");
  field.type = "hidden";
  field.name = "token";
  field.value = token.trim();
  form.append(field);
  document.body.append(form);
  form.submit();
}

/** A refused or stale token: every call answers 401, so the page explains that the link expired. */
function expiredSession() {
  const refused = { ok: false, status: 401, body: { error: { code: "unauthorized", message: "Invalid or expired token" } } };
  return {
    async api() { return refused; },
    events(path) { return new EventSource(path, { withCredentials: true }); },
    subject() { return null; },
    forget() { location.assign(location.pathname + "?signout=1"); },
  };
}

function session(scope, current) {
  return {
    /** fetch() on the API with the page's cookie; resolves to {ok, status, body} and never rejects. */
    async api(path, options = {}) {
      const headers = {};
      if (options.body !== undefined) headers["content-type"] = "application/json";
      try {
        const response = await fetch(path, { method: options.method || "GET", headers, credentials: "same-origin", body: options.body === undefined ? undefined : JSON.stringify(options.body) });
        const text = await response.text();
        let body = null;
        try { body = text ? JSON.parse(text) : null; } catch { body = null; }
        return { ok: response.ok, status: response.status, body };
      } catch {
        return { ok: false, status: 0, body: null };
      }
    },
    /** An EventSource on the API: the cookie goes with it, nothing in the URL. */
    events(path) {
      return new EventSource(path, { withCredentials: true });
    },
    /** The user id the server verified when it rendered the page. */
    subject() {
      return current.subject;
    },
    /** Ends the page's session: the server clears its cookie. */
    forget() {
      location.assign(location.pathname + "?signout=1");
    },
  };
}
`;
