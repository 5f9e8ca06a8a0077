#!/usr/bin/python3
"""The web pages in a real browser: Debian's headless Chromium driven by
chromedriver through python3-selenium, against a real `duban serve --listen`
on a free port, over a Taishan 2021 campaign set up through the CLI.

Cases (one per ctest, --case):
  flow    the liaison signs in from the unit's link, acknowledges (签收) and
          asks for an extension; the office's open ledger shows the change by
          itself (polling), filters and sorts, prints on A4 landscape, and sees
          its own request in the queue without a button to approve it; the
          director approves it from the queue, and the ledger shows the new
          stage; every control is labelled, the lights carry words.
  upload  the liaison uploads a file for a material and it shows as submitted
          with its file (skipped, exit 77, while the server has no upload route).
  forms   the upload and commitment forms send the contract's multipart fields
          to its routes (those two routes answered in the page, FORM_STUB).

Screenshots and the printed PDF go to --out (the build tree), never the repo.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from duban_serve import DubanServe  # noqa: E402

try:
    from selenium import webdriver
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import Select, WebDriverWait
except ImportError as e:  # tools/setup.sh installs python3-selenium
    sys.exit(f"browser_test: python3-selenium is missing ({e}); run tools/setup.sh")

CAMPAIGN = "taishan-2021"
PASSWORD = "a long password"
LIAISON, OFFICE, DIRECTOR = "finance-liaison", "office-cao-bin", "office-director-sun-yecun"
SKIP = 77


class Failure(Exception):
    pass


STARTED = time.monotonic()


def step(what):
    print(f"[{time.monotonic() - STARTED:5.1f} s] {what}")


def check(cond, what):
    if not cond:
        raise Failure(what)
    print(f"  ok: {what}")


class Campaign:
    """A database with the campaign, kicked off, and one request waiting: the
    office asked to accept 区政府办公室 (gov-office#1), the director approves."""

    def __init__(self, duban, source, work):
        self.duban, self.work = duban, work
        self.db = os.path.join(work, "t.db")
        roster = os.path.join(os.path.abspath(source), "workflows", "taishan-2021", "roster.toml")
        self.run("init")
        # One replay (one process) sets the scene: quicker than a command each.
        scene = os.path.join(work, "scene.txt")
        with open(scene, "w", encoding="utf-8") as f:
            f.write(f"""2021-09-28T10:00 {OFFICE} campaign create --roster {roster}
2021-10-08T09:00 {OFFICE} fire all kickoff --note 部署会议
2021-10-09T09:30 gov-office-liaison fire gov-office acknowledge
2021-10-15T09:00 gov-office-liaison material submit gov-office all
2021-10-15T09:05 gov-office-liaison fire gov-office submit
2021-10-18T09:00 {OFFICE} fire gov-office receive
2021-10-19T09:00 {OFFICE} material accept gov-office all
2021-10-19T09:10 {OFFICE} fire gov-office accept --note 材料齐全
""")
        self.run("replay", scene)
        for person in (LIAISON, OFFICE, DIRECTOR):
            self.run("user", "password", person, stdin=PASSWORD + "\n")

    def run(self, *args, stdin=""):
        r = subprocess.run([self.duban, "--db", self.db, *args], input=stdin, capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            raise Failure(f"duban {' '.join(args)} exited {r.returncode}: {r.stderr}")
        return r.stdout

    def json(self, *args):
        return json.loads(self.run("--format", "json", *args))


class Server(DubanServe):
    def __init__(self, campaign):
        try:
            super().__init__(campaign.duban, campaign.db, os.path.join(campaign.work, "serve.log"))
        except RuntimeError as e:
            raise Failure(str(e))


def browser():
    for path in ("/usr/bin/chromium", "/usr/bin/chromedriver"):
        if not os.path.exists(path):
            raise Failure(f"{path} is missing: run tools/setup.sh (chromium chromium-driver)")
    o = webdriver.ChromeOptions()
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1000",
              "--lang=zh-CN", "--disable-extensions", "--no-first-run"):
        o.add_argument(a)
    o.binary_location = "/usr/bin/chromium"
    o.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)
    d.set_page_load_timeout(20)
    return d


def wait(d, cond, what, timeout=15):
    try:
        return WebDriverWait(d, timeout, poll_frequency=0.1).until(cond)
    except TimeoutException:
        raise Failure(f"timed out waiting for {what} on {d.current_url}")


def text_in(css, text):
    return EC.text_to_be_present_in_element((By.CSS_SELECTOR, css), text)


def sign_in(d, base, path, person):
    """Open `path` signed out: the page sends us to sign in, and back after."""
    d.get(base + path)
    wait(d, EC.url_contains("/?next="), "the sign-in page")
    wait(d, EC.element_to_be_clickable((By.ID, "person")), "the sign-in form")
    d.find_element(By.ID, "person").send_keys(person)
    d.find_element(By.ID, "password").send_keys(PASSWORD + Keys.ENTER)
    wait(d, lambda d: d.current_url == base + path, f"the way back to {path}")


def page_problems(d):
    """What the page gets wrong for a reader with a screen reader or keyboard:
    our own checks, then axe-core's serious ones."""
    return own_problems(d) + axe_serious(d)


def own_problems(d):
    return d.execute_script("""
      const out = [];
      if (document.documentElement.lang !== 'zh-CN') out.push('lang is ' + document.documentElement.lang);
      for (const el of document.querySelectorAll('input, select, textarea')) {
        if (el.type === 'hidden') continue;
        const labelled = (el.id && document.querySelector('label[for="' + el.id + '"]')) || el.getAttribute('aria-label')
          || el.closest('label') || el.getAttribute('aria-labelledby');
        if (!labelled) out.push('unlabelled ' + el.outerHTML.slice(0, 80));
      }
      for (const b of document.querySelectorAll('button, a[href]'))
        if (!b.textContent.trim() && !b.getAttribute('aria-label')) out.push('nameless ' + b.outerHTML.slice(0, 80));
      for (const l of document.querySelectorAll('.light'))
        if (!/[红黄绿]灯|无期限/.test(l.textContent)) out.push('a light without its word: ' + l.outerHTML);
      return out;""")


AXE = os.environ.get("DUBAN_AXE", "/usr/local/lib/duban-test/node_modules/axe-core/axe.min.js")


def axe_serious(d):
    """axe-core's serious and critical violations of WCAG 2 A/AA on the page."""
    if not os.path.exists(AXE):
        raise Failure(f"{AXE} is missing: run tools/setup.sh (axe-core)")
    if not d.execute_script("return !!window.axe"):
        with open(AXE, encoding="utf-8") as f:
            d.execute_script(f.read())
    d.set_script_timeout(30)
    found = d.execute_async_script("""
      const done = arguments[arguments.length - 1];
      axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
        .then(r => done(r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                         .map(v => v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))))
        .catch(e => done(['axe failed: ' + e]));""")
    return found


def console_errors(d):
    """Script errors in the browser's console (a 404 of an optional route is not one)."""
    return [e["message"] for e in d.get_log("browser")
            if e["level"] == "SEVERE" and "Failed to load resource" not in e["message"]]


def measure(d, name):
    """The page's own files (the shell and its assets, as served) and the
    browser's timings: the load event, and when the data was on screen."""
    import urllib.request
    nav = d.execute_script("""
      const n = performance.getEntriesByType('navigation')[0];
      const r = performance.getEntriesByType('resource').filter(x => x.name.includes('/assets/')).map(x => x.name);
      return {load: Math.round(n.loadEventEnd - n.startTime), ready: Math.round(performance.now()), files: [n.name, ...r]};""")
    size = sum(len(urllib.request.urlopen(u).read()) for u in nav["files"])
    print(f"  measured: {name}: {len(nav['files'])} files, {size} bytes; loaded in {nav['load']} ms, "
          f"its data shown by {nav['ready']} ms")


def sign_out(d):
    d.find_element(By.CSS_SELECTOR, "#who button").click()
    wait(d, lambda d: d.current_url.endswith("/"), "the sign-in page after signing out")
    d.delete_all_cookies()


def case_flow(c, s, out):
    unit_path = f"/c/{CAMPAIGN}/units/finance"
    office = browser()
    liaison = browser()
    try:
        # The office keeps its ledger open, refreshing every 2 s.
        step("the office opens the ledger")
        ledger_path = f"/c/{CAMPAIGN}?refresh=2"
        sign_in(office, s.base, ledger_path, OFFICE)
        wait(office, EC.presence_of_element_located((By.CSS_SELECTOR, 'tr[data-unit="finance"]')), "the ledger's rows")
        row = office.find_element(By.CSS_SELECTOR, 'tr[data-unit="finance"]')
        check("已部署待签收" in row.text and "未签收" in row.text, "finance stands kicked off and unacknowledged")
        check("红灯" in row.text and "超期" in row.text, "an overdue unit's light is red, in words")
        check(len(office.find_elements(By.CSS_SELECTOR, "#ledger tbody tr")) == 15, "the ledger lists all 15 units")
        problems = page_problems(office)
        check(not problems, f"the ledger has no accessibility problem (ours, axe-core's serious) {problems}")
        # The keyboard: the first Tab lands on the skip link, shown, with a visible focus ring.
        office.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
        focus = office.execute_script("""const a = document.activeElement; const r = a.getBoundingClientRect();
          const s = getComputedStyle(a); return [a.className, r.left, s.outlineStyle, s.outlineWidth];""")
        check(focus[0] == "skip" and focus[1] >= 0 and focus[2] != "none" and focus[3] != "0px",
              f"the first Tab shows the skip link with a focus ring ({focus})")
        measure(office, "ledger")

        step("the liaison follows the unit's link, signs in and acknowledges")
        sign_in(liaison, s.base, unit_path, LIAISON)
        wait(liaison, text_in("#page-title", "区财政局"), "the unit's name")
        wait(liaison, EC.presence_of_element_located((By.CSS_SELECTOR, 'form[data-trigger="acknowledge"]')), "the 签收 form")
        triggers = [f.get_attribute("data-trigger") for f in liaison.find_elements(By.CSS_SELECTOR, "form[data-trigger]")]
        check(triggers == ["acknowledge"], f"the liaison is offered 签收 only ({triggers})")
        check(not liaison.find_elements(By.CSS_SELECTOR, 'form[aria-labelledby="paper-title"]'), "and no office action")
        problems = page_problems(liaison)
        check(not problems, f"the unit's page has no accessibility problem (ours, axe-core's serious) {problems}")
        measure(liaison, "unit")
        liaison.find_element(By.CSS_SELECTOR, 'form[data-trigger="acknowledge"] button').click()
        wait(liaison, text_in("#status", "已办理：签收"), "the acknowledgement's confirmation")
        wait(liaison, text_in("#facts", "材料收集"), "the new stage")
        first = liaison.find_element(By.CSS_SELECTOR, "#events li").text
        check("签收：已部署待签收 → 材料收集" in first and "经网页" in first, f"the timeline says it in words ({first!r})")

        step("the pages read GET /api/v1/me's verdicts (its shape from app::SelfJson)")
        verdicts = liaison.execute_async_script("""
          const done = arguments[arguments.length - 1];
          import('/assets/common.js').then((m) => {
            const liaison = m.selfIn({person: 'finance-liaison', name: '联络员', roles: ['liaison'], units: ['finance'],
              campaigns: [{campaign: 'taishan-2021', name: '泰山区', roles: [{role: 'liaison', label: '联络员', unit: 'finance'}],
                units: ['finance'], may: {fire: {campaign_wide: false, units: ['finance']},
                                          status: {campaign_wide: false, units: ['finance']}}}]}, 'taishan-2021');
            const director = m.selfIn({person: 'd', roles: ['office_director'], units: [],
              campaigns: [{campaign: 'taishan-2021', roles: [{role: 'office_director', label: '主任', unit: null}], units: [],
                may: {approve: {campaign_wide: true, units: []}, status: {campaign_wide: true, units: []}}}]}, 'taishan-2021');
            done([m.may(liaison, 'fire', 'finance'), m.may(liaison, 'fire', 'water'), m.may(liaison, 'approve', 'finance'),
                  m.holds(liaison, ['liaison', 'coordinator'], 'finance'), m.holds(liaison, ['liaison'], 'water'),
                  m.holds(liaison, ['office_staff'], 'finance'), m.campaignWide(liaison),
                  m.may(director, 'approve', 'gov-office'), m.holds(director, ['office_director'], 'gov-office'),
                  m.campaignWide(director), m.may(m.selfIn(null, 'x'), 'approve', 'y')]);
          }).catch((e) => done(String(e)));""")
        check(verdicts == [True, False, False, True, False, False, False, True, True, True, True],
              f"a unit's liaison may fire for its unit only, a director approves everywhere, no /me: all shown ({verdicts})")

        step("the liaison asks for an extension")
        form = wait(liaison, EC.presence_of_element_located((By.ID, "extend-form")), "the extension form")
        date = form.find_element(By.ID, "extend-date")
        liaison.execute_script("arguments[0].value = '2021-10-29'", date)
        form.find_element(By.ID, "extend-reason").send_keys("统计数据月底才能发布")
        form.find_element(By.CSS_SELECTOR, "button").click()
        wait(liaison, text_in("#status", "已提交延期申请"), "the extension request's confirmation")
        wait(liaison, text_in("#request-list", "待审批"), "the unit's pending request")
        liaison.save_screenshot(os.path.join(out, "unit.png"))

        step("the office's ledger changes by itself")
        wait(office, text_in('tr[data-unit="finance"]', "有待审批"), "finance's pending request on the open ledger", timeout=15)
        row = office.find_element(By.CSS_SELECTOR, 'tr[data-unit="finance"]')
        check("材料收集" in row.text and "已签收" in row.text, "the open ledger shows finance acknowledged, in its new stage")
        # Filter and sort.
        Select(office.find_element(By.ID, "f-stage")).select_by_visible_text("材料收集")
        rows = office.find_elements(By.CSS_SELECTOR, "#ledger tbody tr")
        check([r.get_attribute("data-unit") for r in rows] == ["finance"], "filtering by stage leaves finance alone")
        Select(office.find_element(By.ID, "f-stage")).select_by_visible_text("全部阶段")
        office.find_element(By.CSS_SELECTOR, 'th[data-key="stage"] button').click()
        check(office.find_element(By.CSS_SELECTOR, 'th[data-key="stage"]').get_attribute("aria-sort") == "ascending",
              "a sorted column says so (aria-sort)")
        last = office.find_elements(By.CSS_SELECTOR, "#ledger tbody tr")[-1].get_attribute("data-unit")
        check(last == "gov-office", f"sorted by stage, the unit under review comes last ({last})")
        office.save_screenshot(os.path.join(out, "ledger.png"))
        # The print layout: A4 landscape, without the toolbar.
        office.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
        check(not office.find_element(By.ID, "filters").is_displayed(), "printing hides the toolbar")
        office.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
        pdf = office.execute_cdp_cmd("Page.printToPDF", {"preferCSSPageSize": True, "printBackground": True})
        import base64
        data = base64.b64decode(pdf["data"])
        with open(os.path.join(out, "ledger.pdf"), "wb") as f:
            f.write(data)
        box = re.search(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", data)
        check(box and abs(float(box.group(1)) - 841.9) < 2 and abs(float(box.group(2)) - 595.3) < 2,
              f"the ledger prints on A4 landscape ({box.groups() if box else 'no MediaBox'})")

        step("the office sees its own request in the queue, without approving it")
        office.get(s.base + f"/c/{CAMPAIGN}/queue")
        own = wait(office, EC.presence_of_element_located((By.CSS_SELECTOR, '[data-request="gov-office#1"]')), "gov-office#1")
        check("您本人提出" in own.text and not own.find_elements(By.CSS_SELECTOR, "button"),
              "the requester sees their request and no button to decide it")
        sign_out(office)

        step("the director approves from the queue")
        director = office
        sign_in(director, s.base, f"/c/{CAMPAIGN}/queue", DIRECTOR)
        item = wait(director, EC.presence_of_element_located((By.CSS_SELECTOR, '[data-request="gov-office#1"]')), "gov-office#1")
        check("区政府办公室" in item.text and "审核通过" in item.text and OFFICE in item.text,
              "the queue says who asks what for which unit")
        problems = page_problems(director)
        check(not problems, f"the queue has no accessibility problem (ours, axe-core's serious) {problems}")
        measure(director, "queue")
        director.save_screenshot(os.path.join(out, "queue.png"))
        item.find_element(By.CSS_SELECTOR, "textarea").send_keys("同意")
        item.find_element(By.CSS_SELECTOR, 'button[value="approve"]').click()
        wait(director, text_in("#status", "已批准 gov-office#1"), "the approval's confirmation")
        wait(director, EC.invisibility_of_element_located((By.CSS_SELECTOR, '[data-request="gov-office#1"]')),
             "the approved request leaving the queue")
        # The extension: rejecting needs a reason.
        ext = director.find_element(By.CSS_SELECTOR, '[data-request^="finance#"]')
        check("延期申请" in ext.text and "2021年10月29日" in ext.text, f"the extension waits in the queue, in words ({ext.text[:60]!r})")
        ext.find_element(By.CSS_SELECTOR, 'button[value="reject"]').click()
        wait(director, text_in("#alert", "驳回须写明理由"), "the refusal to reject without a reason")

        director.get(s.base + f"/c/{CAMPAIGN}")
        wait(director, text_in('tr[data-unit="gov-office"]', "审核通过"), "gov-office's new stage on the ledger")
        measure(director, "ledger (director)")
        director.get(s.base + f"/c/{CAMPAIGN}/overview")
        wait(director, EC.presence_of_element_located((By.CSS_SELECTOR, "#chart svg polyline")), "the overview's chart")
        check("已报送 1／15" in director.find_element(By.ID, "chart").text, "the overview counts gov-office's submission")
        wait(director, text_in("#notices", "发送失败"), "the overview's count of notices")
        problems = page_problems(director)
        check(not problems, f"the overview has no accessibility problem (ours, axe-core's serious) {problems}")
        measure(director, "overview")
        director.save_screenshot(os.path.join(out, "overview.png"))

        # The record: the director's approval came by the web session.
        approved = c.json("--as", OFFICE, "events", "--unit", "gov-office", "--type", "transition.approved")
        check(approved and approved[-1]["actor"] == DIRECTOR and approved[-1].get("channel") == "session",
              "the log records the director's approval, made in the browser")
        for d in (office, liaison):
            errs = console_errors(d)
            check(not errs, f"no script error in the browser's console {errs}")
    finally:
        office.quit()
        liaison.quit()


def has_upload_route(duban, work):
    """Whether this duban serves the upload route: unauthenticated, a route it
    has answers 401, one it lacks 404. Asked of a bare database, quickly."""
    import urllib.error
    import urllib.request
    probe = os.path.join(work, "probe")
    os.makedirs(probe)
    bare = Campaign.__new__(Campaign)
    bare.duban, bare.work, bare.db = duban, probe, os.path.join(probe, "t.db")
    bare.run("init")
    server = Server(bare)
    try:
        req = urllib.request.Request(server.base + f"/api/v1/campaigns/{CAMPAIGN}/units/finance/materials/budget-report/files",
                                     method="POST")
        urllib.request.urlopen(req)
        return True
    except urllib.error.HTTPError as e:
        return e.code != 404
    finally:
        server.stop()


def case_upload(c, s, out):
    # Now, as the running server's clock: the record only moves forward, and
    # the server has already ticked the deadlines up to today.
    c.run("--as", LIAISON, "fire", "finance", "acknowledge")
    scan = os.path.join(c.work, "预算报告.txt")
    with open(scan, "w", encoding="utf-8") as f:
        f.write("区财政局 2021 年预算执行报告（测试）\n")
    d = browser()
    try:
        sign_in(d, s.base, f"/c/{CAMPAIGN}/units/finance", LIAISON)
        row = wait(d, EC.presence_of_element_located((By.CSS_SELECTOR, 'tr[data-material="budget-report"]')), "the material")
        row.find_element(By.CSS_SELECTOR, 'input[type="file"]').send_keys(scan)
        row.find_element(By.CSS_SELECTOR, "form.upload button").click()
        wait(d, text_in("#status", "已上传并报送"), "the upload's confirmation")
        row = wait(d, EC.presence_of_element_located((By.CSS_SELECTOR, 'tr[data-material="budget-report"]')), "the material again")
        wait(d, text_in('tr[data-material="budget-report"]', "已报送"), "the material submitted")
        link = d.find_element(By.CSS_SELECTOR, 'tr[data-material="budget-report"] .files a')
        check(link.text == "预算报告.txt", f"the file is listed by its name ({link.text})")
        d.save_screenshot(os.path.join(out, "upload.png"))
    finally:
        d.quit()
    return 0


# In the page, before its scripts: GET .../units/finance/materials answers one
# pending material, and the upload and commitment routes record what the page
# sends instead of going out. Only these; every other call reaches the server.
FORM_STUB = r"""
(() => {
  const real = window.fetch.bind(window);
  const json = (body) => new Response(JSON.stringify(body), {status: 200, headers: {'Content-Type': 'application/json'}});
  window.__sent = [];
  window.fetch = async (url, opts = {}) => {
    const u = String(url);
    const method = opts.method || 'GET';
    const fields = () => [...opts.body.entries()].map(([k, v]) => [k, typeof v === 'string' ? v : {file: v.name, size: v.size}]);
    if (/\/units\/finance$/.test(u) || /\/units\/finance\/contacts$/.test(u)) return new Response('{}', {status: 404});
    if (/\/units\/finance\/materials$/.test(u) && method === 'GET')
      return json({materials: [{unit: 'finance', material: 'budget-report', name: '预算执行报告', required: true, state: 'pending',
                                explained: false, submissions: 0, note: '', dropped: false}]});
    if (/\/materials\/budget-report\/files$/.test(u) || /\/units\/finance\/commitment$/.test(u)) {
      window.__sent.push({url: u.replace(location.origin, ''), method, csrf: !!(opts.headers || {})['X-CSRF-Token'],
                          multipart: opts.body instanceof FormData, fields: fields()});
      return json({});
    }
    return real(url, opts);
  };
})();
"""


def case_forms(c, s, out):
    """The upload and commitment forms send what the contract says (plan:
    multipart `file` + `note`; `file`, `signer`, `signed_on`, `stamped`), to
    the routes it names, with the CSRF token: checked in the page, whatever
    the server has yet."""
    scan = os.path.join(c.work, "预算报告.txt")
    with open(scan, "w", encoding="utf-8") as f:
        f.write("区财政局 2021 年预算执行报告（测试）\n")
    d = browser()
    try:
        d.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": FORM_STUB})
        sign_in(d, s.base, f"/c/{CAMPAIGN}/units/finance", LIAISON)
        row = wait(d, EC.presence_of_element_located((By.CSS_SELECTOR, 'tr[data-material="budget-report"]')), "the material")
        check("待报送" in row.text, "the material stands pending")
        row.find_element(By.CSS_SELECTOR, "form.upload button").click()
        check(d.execute_script("return window.__sent.length") == 0, "no file, nothing sent (the browser asks for one)")
        row.find_element(By.CSS_SELECTOR, 'input[type="file"]').send_keys(scan)
        row.find_element(By.CSS_SELECTOR, 'input[name="note"]').send_keys("第一版")
        before = d.find_element(By.ID, "commitment-form")
        row.find_element(By.CSS_SELECTOR, "form.upload button").click()
        wait(d, text_in("#status", "已上传并报送"), "the upload's confirmation")
        wait(d, EC.staleness_of(before), "the page read again after the upload")
        form = wait(d, EC.presence_of_element_located((By.ID, "commitment-form")), "the commitment form")
        form.find_element(By.ID, "sign-file").send_keys(scan)
        form.find_element(By.ID, "sign-signer").send_keys("finance-principal-leader")
        d.execute_script("document.getElementById('sign-date').value = '2021-11-01'")
        form.find_element(By.ID, "sign-stamped").click()
        form.find_element(By.CSS_SELECTOR, "button").click()
        wait(d, text_in("#status", "已上传承诺书"), "the commitment's confirmation")
        sent = d.execute_script("return window.__sent")
        base = f"/api/v1/campaigns/{CAMPAIGN}/units/finance"
        size = os.path.getsize(scan)
        check(sent[0] == {"url": base + "/materials/budget-report/files", "method": "POST", "csrf": True, "multipart": True,
                          "fields": [["file", {"file": "预算报告.txt", "size": size}], ["note", "第一版"]]},
              f"the upload: multipart file and note, with the CSRF token ({sent[0]})")
        check(sent[1] == {"url": base + "/commitment", "method": "POST", "csrf": True, "multipart": True,
                          "fields": [["file", {"file": "预算报告.txt", "size": size}], ["signer", "finance-principal-leader"],
                                     ["signed_on", "2021-11-01"], ["stamped", "true"]]},
              f"the commitment: file, signer, signed_on, stamped ({sent[1]})")
        d.save_screenshot(os.path.join(out, "forms.png"))
    finally:
        d.quit()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--duban", required=True)
    p.add_argument("--source", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--case", choices=["flow", "upload", "forms"], required=True)
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    work = tempfile.mkdtemp(prefix="duban-web-")
    started = time.monotonic()
    server = None
    try:
        if a.case == "upload" and not has_upload_route(a.duban, work):
            step("SKIP: this server has no upload route (POST .../materials/{m}/files) yet: helper api, issue 10")
            return SKIP
        c = Campaign(a.duban, a.source, work)
        server = Server(c)
        print(f"duban serve at {server.base} ({time.monotonic() - started:.1f} s to set up)")
        rc = {"flow": case_flow, "upload": case_upload, "forms": case_forms}[a.case](c, server, a.out) or 0
        print(f"{a.case}: {'skipped' if rc == SKIP else 'passed'} in {time.monotonic() - started:.1f} s; screenshots in {a.out}")
        return rc
    except Exception as e:  # a check (Failure), or the browser's own (an element gone, a time-out)
        print(f"FAILED: {e if isinstance(e, Failure) else type(e).__name__ + ': ' + str(e).splitlines()[0]}")
        if server:
            server.log.seek(0)
            print("--- duban serve's log (tail) ---\n" + "".join(server.log.readlines()[-30:]))
        return 1
    finally:
        if server:
            server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
