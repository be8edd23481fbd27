#!/usr/bin/env python3
"""Runs every command example of README.md and docs/*.md, in the order shown,
and compares what it prints with what the doc shows. A doc that drifts from
the program fails the test (ctest: doc_examples), with a diff per example.

Each doc is one session: a fresh directory holding a copy of config/, with
`clientele` on PATH (and as build/client/clientele), and a fresh clienteled
on a free loopback port, started from the shipped config/server.yaml (its
listen addresses, metrics and demo_data aside) with the demo data. Every
command runs with CLIENTELE_SERVER set to that server, CLIENTELE_HTTP to
its JSON gateway (http://127.0.0.1:PORT) and CLIENTELE_TOKEN to
demo-admin-token, as the README tells a new user to do.

What is an example (docs/README.md has the same, for doc writers):

- In a fenced block, a line `$ COMMAND` and the lines after it up to the
  next `$ ` line (or the end of the block): the command and its output,
  stdout and stderr together. A last line `[exit N]` is the exit code
  expected (otherwise 0). `$ cat FILE` for a FILE that does not exist yet
  creates it with the lines shown.
- In a ```sh block without `$`: every line is a command whose output is not
  shown; it must exit 0.
- `export NAME=VALUE` and `unset NAME` change the session's environment.

How an output is compared: trailing spaces and trailing blank lines aside,
line by line. `...` alone on a line stands for any number of lines; `...`
inside a line for any text. In a block marked `varies`, runs of two or more
spaces inside a line count as two (table columns move when a value of
another width comes before them).

Marks, HTML comments on the lines before a block (invisible on GitHub):

    <!-- doc-test: skip REASON -->       the block is not run (listed as such)
    <!-- doc-test: varies KIND ... -->   in the block, text of these kinds may
                                         differ: time, date, key, duration,
                                         hash, port, path, size, number
    <!-- doc-test: file PATH -->         the block is the content of PATH, there
                                         from the session's start (a section
                                         may build a ruleset up file by file)
    <!-- doc-test: run COMMAND -->       runs COMMAND there, unseen (must exit 0)
    <!-- doc-test: server demo|empty --> from here, a new server with the demo
                                         data or an empty database
    <!-- doc-test: server empty DIR -->  the same, serving the rules of DIR (a
                                         directory of the source, e.g. an example
                                         ruleset under config/examples/)

Usage: doc_examples_test.py --source DIR --clientele BIN --clienteled BIN
[--only FILE ...] [--keep]. Exit 0 when every example printed what its doc
shows.
"""

import argparse
import difflib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

# What `varies KIND` lets differ: each match, in the doc and in the output,
# becomes <KIND> before they are compared.
KINDS = {
    "time": r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z",
    "date": r"\d{4}-\d\d-\d\d",
    "key": r"cli-[0-9a-f]{32}",
    "duration": r"\d+(?:\.\d+)? (?:ms|µs|s)\b",
    "hash": r"\b[0-9a-f]{64}\b|clt_[0-9a-f]{64}",
    "port": r"(?<=127\.0\.0\.1:)\d+",
    "path": r"/tmp/[^\s:'\"]+",
    "size": r"\d+(?:\.\d+)? (?:MB|KB|bytes)\b|\"size_bytes\":\d+",
    "number": r"\d+(?:\.\d+)?",
    # A ruleset's version: for examples on a ruleset that changes often.
    "version": r"(?<=ruleset )[0-9a-f]{12}\b|(?<=  )[0-9a-f]{12}(?=  )",
}
# Every other doc-test mark (kinds in `varies` are checked separately).
MARK = re.compile(r"^\s*<!--\s*doc-test:\s*(\w+)\s*(.*?)\s*-->\s*$")
FENCE = re.compile(r"^(\s*)```\s*([\w-]*)\s*$")
SHELL_LANGUAGES = {"sh", "bash", "shell", "console"}
COMMAND_TIMEOUT = 60
# Commands run as the user who runs the test (root in CI): one that names a
# system path would act on the machine, not the session, so it is refused
# unless its block is marked skip.
SYSTEM_PATH = re.compile(r"(?<![\w.~-])/(?:var|etc|usr|opt|srv|home|root|boot|lib)/")


class Example:
    """One command of a doc, with what the doc shows for it."""

    def __init__(self, doc, line, command, expected, exit_code, varies, shown):
        self.doc = doc
        self.line = line
        self.command = command
        self.expected = expected  # lines; None: output not shown
        self.exit_code = exit_code
        self.varies = varies
        self.shown = shown  # False for a `run` mark


class Step:
    """What a session does in order: run an example, write a file, start a
    server, or note an example that is not run."""

    def __init__(self, kind, **fields):
        self.kind = kind
        self.__dict__.update(fields)


def parse_doc(path, name):
    """The steps of one doc, in order."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    steps = []
    marks = []  # (kind, argument, line) before the next block
    i = 0
    while i < len(lines):
        mark = MARK.match(lines[i])
        if mark:
            kind, argument = mark.group(1), mark.group(2)
            if kind == "run":
                steps.append(Step("example", example=Example(
                    name, i + 1, argument, None, 0, [], False)))
            elif kind == "server":
                data, _, rules = argument.partition(" ")
                if data not in ("demo", "empty"):
                    raise SystemExit(f"{name}:{i + 1}: doc-test: server demo|empty [RULES_DIR]")
                steps.append(Step("server", demo=data == "demo", rules=rules.strip(), line=i + 1))
            elif kind in ("skip", "varies", "file"):
                marks.append((kind, argument, i + 1))
            else:
                raise SystemExit(f"{name}:{i + 1}: unknown doc-test mark '{kind}'")
            i += 1
            continue
        fence = FENCE.match(lines[i])
        if not fence:
            if lines[i].strip() and marks and not lines[i].lstrip().startswith("<!--"):
                raise SystemExit(f"{name}:{marks[0][2]}: a doc-test mark must come right before a block")
            i += 1
            continue
        indent, language = fence.group(1), fence.group(2)
        start = i + 1
        i += 1
        block = []
        while i < len(lines) and not re.match(r"^\s*```\s*$", lines[i]):
            text = lines[i]
            block.append(text[len(indent):] if text.startswith(indent) else text.lstrip())
            i += 1
        i += 1  # the closing fence
        steps.extend(block_steps(name, start, language, block, marks))
        marks = []
    return steps


def block_steps(name, start, language, block, marks):
    skip = next((argument for kind, argument, _ in marks if kind == "skip"), None)
    file = next((argument for kind, argument, _ in marks if kind == "file"), None)
    varies = []
    for kind, argument, line in marks:
        if kind == "varies":
            for k in argument.replace(",", " ").split():
                if k not in KINDS:
                    raise SystemExit(f"{name}:{line}: unknown kind '{k}' (known: {', '.join(KINDS)})")
                varies.append(k)
    if file is not None:
        return [Step("file", path=file, content="\n".join(block) + "\n", line=start)]
    examples = []
    if any(text.startswith("$ ") for text in block):
        current = None
        for offset, text in enumerate(block):
            if text.startswith("$ "):
                current = [start + 1 + offset, text[2:], []]
                examples.append(current)
            elif current is not None and current[1].endswith("\\") and not current[2]:
                current[1] += "\n" + text
            elif current is not None:
                current[2].append(text)
        result = []
        for line, command, output in examples:
            while output and not output[-1].strip():
                output.pop()
            exit_code = 0
            if output and re.fullmatch(r"\[exit \d+\]", output[-1].strip()):
                exit_code = int(output.pop().strip()[6:-1])
                while output and not output[-1].strip():
                    output.pop()
            result.append(Example(name, line, command, output, exit_code, varies, True))
    elif language in SHELL_LANGUAGES:
        result = []
        command, first = "", None
        for offset, text in enumerate(block):
            if not command and (not text.strip() or text.lstrip().startswith("#")):
                continue
            if first is None:
                first = start + 1 + offset
            command += text
            if text.endswith("\\"):
                command += "\n"
                continue
            result.append(Example(name, first, command, None, 0, varies, True))
            command, first = "", None
    else:
        return []
    if skip is not None:
        return [Step("skipped", example=e, reason=skip) for e in result]
    return [Step("example", example=e) for e in result]


def normalize(lines, varies):
    out = []
    for text in lines:
        text = text.rstrip()
        for kind in varies:
            text = re.sub(KINDS[kind], f"<{kind}>", text)
        if varies:
            # A value of another width moves the columns of a table after it.
            text = re.sub(r"(?<=\S)  +", "  ", text)
        out.append(text)
    while out and not out[-1]:
        out.pop()
    return out


def line_matches(expected, actual):
    if "..." not in expected:
        return expected == actual
    pattern = ".*".join(re.escape(part) for part in expected.split("..."))
    return re.fullmatch(pattern, actual) is not None


def output_matches(expected, actual):
    """Whether `actual` (lines) is what `expected` shows, `...` lines
    standing for any number of lines."""
    memo = {}

    def match(e, a):
        if (e, a) in memo:
            return memo[(e, a)]
        if e == len(expected):
            result = a == len(actual)
        elif expected[e].strip() == "...":
            result = any(match(e + 1, k) for k in range(a, len(actual) + 1))
        else:
            result = a < len(actual) and line_matches(expected[e], actual[a]) and match(e + 1, a + 1)
        memo[(e, a)] = result
        return result

    return match(0, 0)


class Session:
    """A directory, an environment and a server for one doc."""

    def __init__(self, args, name):
        self.args = args
        self.name = name
        self.root = tempfile.mkdtemp(prefix="clientele-doc-")
        shutil.copytree(os.path.join(args.source, "config"), os.path.join(self.root, "config"))
        for link in ("bin/clientele", "build/client/clientele"):
            os.makedirs(os.path.join(self.root, os.path.dirname(link)), exist_ok=True)
            os.symlink(args.clientele, os.path.join(self.root, link))
        os.makedirs(os.path.join(self.root, "build/server"), exist_ok=True)
        os.symlink(args.clienteled, os.path.join(self.root, "build/server/clienteled"))
        self.env = {
            "PATH": os.path.join(self.root, "bin") + ":/usr/local/bin:/usr/bin:/bin",
            "HOME": self.root,
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
            "TZ": "UTC",
            "USER": "doc-test",
            "CLIENTELE_TOKEN": "demo-admin-token",
        }
        self.server = None

    def start_server(self, demo, rules=""):
        self.stop_server()
        var = os.path.join(self.root, "var")
        shutil.rmtree(var, ignore_errors=True)
        with open(os.path.join(self.args.source, "config", "server.yaml"), encoding="utf-8") as f:
            config = f.read()
        config = re.sub(r"(?m)^listen:.*$", "listen: 127.0.0.1:0", config)
        config = re.sub(r"(?m)^metrics_listen:.*\n", "", config)
        config = re.sub(r"(?m)^http_listen:.*$", "http_listen: 127.0.0.1:0", config)
        config = re.sub(r"(?m)^demo_data:.*$", f"demo_data: {'true' if demo else 'false'}", config)
        if rules:
            # A copy of the source's directory, as `rules:` relative to the config.
            shutil.rmtree(os.path.join(self.root, "config", "served-rules"), ignore_errors=True)
            shutil.copytree(os.path.join(self.args.source, rules),
                            os.path.join(self.root, "config", "served-rules"))
            config = re.sub(r"(?m)^rules:.*$", "rules: served-rules", config)
        path = os.path.join(self.root, "config", "server.yaml")
        with open(path, "w", encoding="utf-8") as f:
            f.write(config)
        log = open(os.path.join(self.root, "server.log"), "ab")
        self.server = subprocess.Popen([self.args.clienteled, "--config", path], cwd=self.root,
                                       stdout=subprocess.PIPE, stderr=log, env=self.env)
        log.close()
        for raw in self.server.stdout:
            text = raw.decode("utf-8", "replace").strip()
            if text.startswith("http on "):
                self.env["CLIENTELE_HTTP"] = "http://" + text[len("http on "):]
            if text.startswith("listening on "):
                self.env["CLIENTELE_SERVER"] = text[len("listening on "):]
                return
        raise RuntimeError(f"clienteled did not start; see {self.root}/server.log")

    def stop_server(self):
        if self.server is not None:
            self.server.terminate()
            try:
                self.server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait()
            self.server = None

    def run(self, example):
        """(exit code, output lines) of the example's command."""
        command = example.command.strip()
        if SYSTEM_PATH.search(command):
            return -1, ["(not run: it names a path outside the session; "
                        "mark its block with doc-test: skip)"]
        words = command.split()
        if words and words[0] in ("export", "unset") and not re.search(r"[;&|$`]", command):
            for word in words[1:]:
                if "#" in word:
                    break
                if words[0] == "export" and "=" in word:
                    key, value = word.split("=", 1)
                    self.env[key] = os.path.expanduser(value)
                else:
                    self.env.pop(word, None)
            return 0, []
        cat = re.fullmatch(r"cat (\S+)", command)
        if cat and example.expected is not None and not os.path.exists(os.path.join(self.root, cat.group(1))):
            with open(os.path.join(self.root, cat.group(1)), "w", encoding="utf-8") as f:
                f.write("\n".join(example.expected) + "\n")
        try:
            done = subprocess.run(["bash", "-c", command], cwd=self.root, env=self.env,
                                  stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, timeout=COMMAND_TIMEOUT)
        except subprocess.TimeoutExpired as e:
            return -1, (e.output or b"").decode("utf-8", "replace").split("\n") + [
                f"(killed after {COMMAND_TIMEOUT} s)"]
        return done.returncode, done.stdout.decode("utf-8", "replace").split("\n")

    def close(self):
        self.stop_server()
        if not self.args.keep:
            shutil.rmtree(self.root, ignore_errors=True)


def run_doc(args, name, steps):
    """Runs one doc's steps; returns (passed, failed, skipped) counts and
    prints a line per failure and per example not run."""
    passed = failed = skipped = 0
    session = Session(args, name)
    try:
        # A doc may use a file before the block that shows it (a ruleset
        # built up over a section): every file is there from the start.
        for step in steps:
            if step.kind == "file":
                target = os.path.join(session.root, step.path)
                os.makedirs(os.path.dirname(target) or session.root, exist_ok=True)
                with open(target, "w", encoding="utf-8") as f:
                    f.write(step.content)
        if not steps or steps[0].kind != "server":
            session.start_server(demo=True)
        for step in steps:
            if step.kind == "server":
                session.start_server(step.demo, step.rules)
            elif step.kind == "file":
                continue
            elif step.kind == "skipped":
                skipped += 1
                first = step.example.command.split("\n")[0]
                print(f"NOT RUN {name}:{step.example.line}: $ {first}  ({step.reason})")
            else:
                example = step.example
                code, output = session.run(example)
                problems = []
                if code != example.exit_code:
                    problems.append(f"exit code {code}, the doc says {example.exit_code}")
                if example.expected is not None:
                    expected = normalize(example.expected, example.varies)
                    actual = normalize(output, example.varies)
                    if not output_matches(expected, actual):
                        problems.append("output differs (- doc, + actual):\n" + "\n".join(
                            difflib.unified_diff(expected, actual, "doc", "actual", lineterm="", n=2)))
                elif problems:
                    problems.append("output:\n" + "\n".join(output[-20:]))
                if problems:
                    failed += 1
                    what = "hidden setup (doc-test: run)" if not example.shown else "example"
                    print(f"FAIL {name}:{example.line}: {what}: $ {example.command}")
                    for p in problems:
                        print("  " + p.replace("\n", "\n  "))
                else:
                    passed += 1
    finally:
        session.close()
    return passed, failed, skipped


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--source", required=True, help="the source tree (README.md, docs/, config/)")
    parser.add_argument("--clientele", required=True, help="the clientele binary")
    parser.add_argument("--clienteled", required=True, help="the clienteled binary")
    parser.add_argument("--only", nargs="*", help="docs to run (e.g. docs/cli.md); default all")
    parser.add_argument("--keep", action="store_true", help="keep the session directories")
    args = parser.parse_args()
    args.clientele = os.path.abspath(args.clientele)
    args.clienteled = os.path.abspath(args.clienteled)
    docs = ["README.md"] + sorted("docs/" + f for f in os.listdir(os.path.join(args.source, "docs"))
                                  if f.endswith(".md"))
    if args.only:
        docs = [d for d in docs if d in args.only]
    started = time.monotonic()
    totals = [0, 0, 0]
    for name in docs:
        steps = parse_doc(os.path.join(args.source, name), name)
        doc_started = time.monotonic()
        counts = run_doc(args, name, steps)
        print(f"{name}: {counts[0]} passed, {counts[1]} failed, {counts[2]} not run "
              f"({time.monotonic() - doc_started:.1f} s)")
        totals = [t + c for t, c in zip(totals, counts)]
    print(f"doc examples: {totals[0]} passed, {totals[1]} failed, {totals[2]} not run "
          f"in {time.monotonic() - started:.1f} s")
    return 1 if totals[1] else 0


if __name__ == "__main__":
    sys.exit(main())
