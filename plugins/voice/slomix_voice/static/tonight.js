// The tonight page stays live: every few seconds (while the tab is shown) it fetches itself again
// and swaps the lobby in place, so names appear as people answer and join voice.
(() => {
  const lobby = document.querySelector(".lobby[data-live]");
  if (!lobby) return;
  const every = Number(lobby.dataset.every || 30) * 1000;
  async function refresh() {
    const response = await fetch(lobby.dataset.live, { headers: { Accept: "text/html" } });
    if (!response.ok) return;
    const fresh = new DOMParser().parseFromString(await response.text(), "text/html").querySelector(".lobby");
    if (fresh) lobby.innerHTML = fresh.innerHTML;
  }
  window.slomixLobbyRefresh = refresh;
  setInterval(() => { if (document.visibilityState === "visible") refresh().catch(() => {}); }, every);
})();
