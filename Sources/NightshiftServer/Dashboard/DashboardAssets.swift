import HTTPTypes
import Hummingbird

/// The dashboard's stylesheet and script, part of the binary: no CDN, nothing to install.
enum DashboardAssets {
    static var css: Response { asset(stylesheet, type: "text/css; charset=utf-8") }
    static var javascript: Response { asset(script, type: "text/javascript; charset=utf-8") }

    private static func asset(_ text: String, type: String) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: type, .cacheControl: "max-age=300", HTTPField.Name("X-Content-Type-Options")!: "nosniff"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// Live refresh of `<main data-live>` every two seconds (paused while a field has focus or
    /// the tab is hidden), and `data-confirm` questions (of the form, or of the button pressed)
    /// before a form is sent. Everything works without it.
    static let script = """
        "use strict";
        document.documentElement.dataset.nightshift = "ready";
        document.addEventListener("submit", (event) => {
          const question = (event.submitter && event.submitter.dataset.confirm) || event.target.dataset.confirm;
          if (question && !window.confirm(question)) event.preventDefault();
        });
        const main = document.querySelector("main[data-live]");
        if (main) {
          const every = Number(main.dataset.live) || 2000;
          const refresh = async () => {
            const busy = document.activeElement && main.contains(document.activeElement) && document.activeElement.matches("input, select, textarea");
            if (!document.hidden && !busy) {
              try {
                const answer = await fetch(window.location.href, { headers: { "X-Nightshift-Partial": "1" }, credentials: "same-origin" });
                if (answer.ok && !answer.redirected) main.innerHTML = await answer.text();
              } catch (error) { /* the next refresh tries again */ }
            }
            setTimeout(refresh, every);
          };
          setTimeout(refresh, every);
        }
        """

    static let stylesheet = """
        :root { --ok: #1a7f37; --bad: #cf222e; --warn: #9a6700; --muted: #57606a; --line: #d0d7de; font-family: system-ui, sans-serif; }
        body { margin: 0; color: #1f2328; background: #fff; }
        header { display: flex; gap: 1.5rem; align-items: center; padding: .6rem 1rem; border-bottom: 1px solid var(--line); background: #f6f8fa; }
        header nav a { margin-right: 1rem; text-decoration: none; color: #0969da; }
        header nav a[aria-current="page"] { font-weight: 600; color: #1f2328; }
        header .who { margin-left: auto; display: flex; gap: .5rem; align-items: center; }
        header .search input { width: 16rem; }
        .states { display: flex; flex-wrap: wrap; gap: .4rem 1rem; padding: .4rem 1rem; border-bottom: 1px solid var(--line); font-size: .85rem; }
        .states span { color: var(--muted); } .states span + a { margin-left: -.4rem; }
        .states a { text-decoration: none; color: #1f2328; } .states a b { font-variant-numeric: tabular-nums; }
        .states a.failed b, .states a.discarded b { color: var(--bad); } .states a.succeeded b { color: var(--ok); }
        main { padding: 1rem; max-width: 1400px; }
        table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; font-size: .9rem; }
        th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
        .muted, .hint { color: var(--muted); font-size: .85rem; }
        .ok { color: var(--ok); } .error, .error-text { color: var(--bad); }
        .error-text { white-space: pre-wrap; word-break: break-word; }
        .badge { display: inline-block; padding: 0 .4rem; border-radius: 1rem; font-size: .75rem; border: 1px solid var(--line); }
        .badge.succeeded, .badge.healthy, .badge.active { color: var(--ok); }
        .badge.failed, .badge.discarded, .badge.failing, .badge.dead, .badge.stuck, .badge.error, .badge.overdue { color: var(--bad); border-color: var(--bad); }
        .badge.paused, .badge.cancelled, .badge.skipped, .badge.missed, .badge.backlog { color: var(--warn); }
        .badge.running, .badge.queued { color: #0969da; }
        .strip { white-space: nowrap; } .tick { display: inline-block; width: 6px; height: 16px; margin-right: 1px; background: var(--line); }
        .tick.succeeded { background: var(--ok); } .tick.failed, .tick.discarded { background: var(--bad); } .tick.running, .tick.queued { background: #0969da; }
        .tick.cancelled, .tick.skipped { background: #bf8700; }
        form.inline { display: inline; margin-right: .3rem; }
        form.filters, form.trigger { display: flex; flex-wrap: wrap; gap: .75rem; align-items: end; margin: .5rem 0 1rem; }
        form.trigger textarea { display: block; min-width: 20rem; }
        pre { background: #f6f8fa; padding: .6rem; overflow-x: auto; white-space: pre-wrap; word-break: break-word; }
        .chart svg { width: 100%; max-width: 720px; height: auto; }
        .chart line.axis { stroke: var(--line); }
        .chart text.axis { font-size: 11px; fill: var(--muted); }
        .chart rect.succeeded, .legend.succeeded::before { fill: var(--ok); background: var(--ok); }
        .chart rect.failed, .chart rect.discarded, .legend.failed::before, .legend.discarded::before { fill: var(--bad); background: var(--bad); }
        .chart rect.cancelled, .chart rect.skipped, .legend.cancelled::before, .legend.skipped::before { fill: #bf8700; background: #bf8700; }
        .legend { margin-right: .8rem; font-size: .8rem; } .legend::before { content: ""; display: inline-block; width: .7rem; height: .7rem; margin-right: .25rem; }
        body.sign-in main { max-width: 26rem; margin: 10vh auto; }
        body.sign-in form { display: grid; gap: .5rem; }
        """
}
