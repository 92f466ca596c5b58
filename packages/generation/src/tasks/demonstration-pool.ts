import type { Demonstration } from "./demonstrations.js";

/**
 * Built-in style examples for the synthetic PR writer, used when no user pool is supplied.
 * They describe made-up projects and people, in deliberately varied styles: terse, rambling,
 * with code and expected/actual output, with a traceback, signed by a user.
 */
export const BUILTIN_DEMONSTRATIONS: readonly Demonstration[] = [
  {
    id: "builtin-terse-csv",
    body: "`read_table(path, skip_blank=True)` still returns empty rows when the blank line is at the very end of the file. Happens on 2.3.1.",
  },
  {
    id: "builtin-rambling-scheduler",
    body: `Hi all, first issue here so apologies if this is the wrong place.

I've been using the cron-style scheduler for a few weeks to kick off nightly exports at our office and mostly it's been great, thanks for the work. But since we moved a couple of jobs to run "every 15 minutes between 9 and 17" something weird is going on. The job runs at 9:00, 9:15, 9:30, 9:45 and then... nothing until 10:15? So the :00 run of every hour after the first is just missing. I checked the logs on our side and the scheduler never even tries to start it, there's no error or anything.

I tried with "between 8 and 18" and it's the same thing just shifted. Single-hour ranges seem fine. Not sure if I'm misreading the docs but I'd expect a run at 10:00, 11:00 etc.

We're on Ubuntu 22.04, Python 3.11, latest release from PyPI.`,
  },
  {
    id: "builtin-code-expected-actual",
    body: `### Description

\`Money.split\` loses a cent when the amount does not divide evenly.

### Steps to reproduce

\`\`\`python
from ledgerkit import Money

parts = Money("10.00", "EUR").split(3)
print(parts)
print(sum(parts, Money("0", "EUR")))
\`\`\`

### Expected output

\`\`\`
[Money('3.34', 'EUR'), Money('3.33', 'EUR'), Money('3.33', 'EUR')]
Money('10.00', 'EUR')
\`\`\`

### Actual output

\`\`\`
[Money('3.33', 'EUR'), Money('3.33', 'EUR'), Money('3.33', 'EUR')]
Money('9.99', 'EUR')
\`\`\`

### Versions

ledgerkit 0.9.2, Python 3.12`,
  },
  {
    id: "builtin-traceback-yaml",
    body: `Loading a config that has an anchor inside a list crashes:

\`\`\`yaml
defaults: &base
  retries: 3
services:
  - <<: *base
    name: api
\`\`\`

\`\`\`
Traceback (most recent call last):
  File "run.py", line 4, in <module>
    cfg = confetti.load("svc.yaml")
  File ".../confetti/loader.py", line 88, in load
    return _merge_tree(raw)
  File ".../confetti/loader.py", line 141, in _merge_tree
    for key, value in node.items():
AttributeError: 'list' object has no attribute 'items'
\`\`\`

Without the list (a mapping of services) it loads fine.`,
  },
  {
    id: "builtin-signed-plotting",
    body: `Hello,

When I draw a histogram with \`log=True\` and some bins are empty, the bars next to the empty bins are drawn from the bottom of the figure instead of from the axis. It makes the plot look like there are huge spikes that aren't in the data. Linear scale looks correct.

I can share a notebook if that helps, the data is just a few hundred floats between 0 and 1.

Thanks for the great library!
Marta Kowalczyk`,
  },
  {
    id: "builtin-web-framework",
    body: `**Describe the bug**
A route declared with a trailing slash and \`strict_slashes=False\` returns 404 when the request has a query string.

**To Reproduce**
\`\`\`python
app = Quill()

@app.get("/items/", strict_slashes=False)
def items(req):
    return {"ok": True}

client = app.test_client()
print(client.get("/items").status)        # 200
print(client.get("/items?page=2").status) # 404
\`\`\`

**Expected behavior**
Both requests return 200.

**Environment**
- quill 3.0.0
- Python 3.10`,
  },
  {
    id: "builtin-one-liner-cli",
    body: "--quiet flag is ignored by the `sync` subcommand, it still prints every file it copies",
  },
  {
    id: "builtin-numeric-precision",
    body: `I noticed that \`rolling_mean\` gives slightly different numbers depending on whether the input is a list or a numpy array.

\`\`\`python
>>> import tidyseries as ts
>>> ts.rolling_mean([1e16, 1.0, -1e16, 1.0], window=2)
[5e+15, -5e+15, -5e+15]
>>> ts.rolling_mean(np.array([1e16, 1.0, -1e16, 1.0]), window=2)
[5e+15, -5e+15, 0.5]
\`\`\`

The last value should be 0.5 in both cases I think? The list version seems to carry error over from earlier windows. Is that expected?`,
  },
  {
    id: "builtin-docs-mismatch",
    body: `The docs for \`Cache.get(key, default=None, touch=True)\` say that \`touch=False\` reads the value "without changing its expiry time". In practice the entry's TTL is still reset when I read it with \`touch=False\`, I can see it in \`cache.ttl(key)\` right after the call. Either the docs or the behaviour is off.`,
  },
  {
    id: "builtin-windows-paths",
    body: `On Windows, \`bundle.add_tree("assets")\` stores entries with backslashes (\`assets\\img\\logo.png\`), so when the bundle is opened on Linux nothing under \`assets/\` can be found. On macOS and Linux the archive is fine.

Windows 11, Python 3.11.6, packbox 1.4.0

Not sure if this is intended but it broke our deployment which builds on a Windows runner.`,
  },
  {
    id: "builtin-regression-report",
    body: `This used to work in 4.1 and stopped working after upgrading to 4.2.

We serialize our models with \`to_dict(exclude_none=True)\` and nested models now keep their \`None\` fields:

\`\`\`python
class Address(Model):
    street: str
    unit: str | None = None

class User(Model):
    name: str
    address: Address

print(User(name="Ana", address=Address(street="Main St")).to_dict(exclude_none=True))
\`\`\`

4.1 printed \`{'name': 'Ana', 'address': {'street': 'Main St'}}\`
4.2 prints \`{'name': 'Ana', 'address': {'street': 'Main St', 'unit': None}}\`

Top-level None fields are still dropped correctly, it's only nested ones.`,
  },
  {
    id: "builtin-concurrency-hang",
    body: `Our worker pool occasionally hangs forever on shutdown. It happens maybe once in 50 runs in CI, never locally so far.

When it hangs, py-spy shows the main thread sitting in \`Pool.close()\` waiting on the result queue, and one worker thread stuck in \`_drain()\`. All tasks had already finished by then (we log each completion).

We submit ~200 short tasks with \`pool.map_async\` and then immediately call \`close()\` followed by \`join()\`. Adding a \`time.sleep(0.1)\` before \`close()\` makes it go away, which smells like a race.

Happy to test a patch. — Devin O'Hara`,
  },
  {
    id: "builtin-i18n-formatting",
    body: `Dates formatted with \`fmt_date(d, locale="de_DE", style="long")\` come out as \`März 3, 2024\` which is the English order with a German month name. Expected \`3. März 2024\`. \`style="short"\` gives the right \`03.03.24\`. Same problem with fr_FR (\`mars 3, 2024\`).`,
  },
  {
    id: "builtin-feature-gap",
    body: `hey, quick one: \`diff_json(a, b, ignore_order=True)\` works for top-level lists but if the list is inside an object it's compared in order again

a = {"tags": ["x", "y"]}
b = {"tags": ["y", "x"]}
diff_json(a, b, ignore_order=True)  -> reports tags[0] and tags[1] changed

expected no differences. using jsondelta 0.6 from pip`,
  },
];
