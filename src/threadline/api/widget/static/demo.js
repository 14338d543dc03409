/* The demo page's host side: it plays the site that knows who is signed in, handing the widget a
   token for the demo user chosen in the switch (from the dev-only /v1/dev/demo-users). */
(() => {
  const chosen = new URLSearchParams(location.search).get("as") || "";
  let users = null;
  async function demoUsers() {
    if (!users) users = fetch("/v1/dev/demo-users").then((r) => r.json());
    return users;
  }
  window.threadline = {
    token: async () => {
      if (!chosen) return null;
      users = null; // a fresh token each time the widget asks
      const found = (await demoUsers()).users.find((u) => u.user_id === chosen);
      return found ? found.token : null;
    },
    signIn: () => document.querySelector('select[name="as"]').focus(),
  };
  // A moderator or an admin may open the console as themselves: the token goes in the fragment,
  // which the browser never sends to a server (nor into a log or a Referer).
  document.addEventListener("DOMContentLoaded", async () => {
    if (!chosen) return;
    const found = (await demoUsers()).users.find((u) => u.user_id === chosen);
    const link = document.getElementById("console-link");
    if (!found || !link || !["moderator", "admin"].includes(found.role)) return;
    link.href = "/console/#token=" + encodeURIComponent(found.token);
    link.hidden = false;
  });
})();
