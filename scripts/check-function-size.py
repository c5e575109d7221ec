#!/usr/bin/env python3
"""Fails when a function in src/ or fuzz/ runs over --limit lines (default 100), or a file over
--max-file-lines (default 600; issue 16).

A brace scanner, not a parser: comments, strings, raw strings and character literals are blanked
first, then every '{' whose header looks like a function's (a parameter list, no control keyword,
not a lambda or an initialiser) opens a function until its matching '}'. Tables (arrays at
namespace scope) are not functions and are not counted.
  scripts/check-function-size.py [--limit N] [PATH...]
"""
import re, sys, os, argparse
ap = argparse.ArgumentParser(); ap.add_argument('paths', nargs='*'); ap.add_argument('--limit', type=int, default=100); ap.add_argument('--max-file-lines', type=int, default=600)
a = ap.parse_args()
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if not a.paths: a.paths = [os.path.join(root, 'src'), os.path.join(root, 'fuzz')]
CTRL = re.compile(r'\b(if|for|while|switch|catch|do|else|namespace|class|struct|enum|union|extern)\b')
def strip(src):
    out = []; i = 0; n = len(src)
    while i < n:
        c = src[i]
        if src.startswith('//', i):
            j = src.find('\n', i); j = n if j < 0 else j; out.append(' ' * (j - i)); i = j
        elif src.startswith('/*', i):
            j = src.find('*/', i + 2); j = n if j < 0 else j + 2
            out.append(re.sub(r'[^\n]', ' ', src[i:j])); i = j
        elif src.startswith('R"', i):
            m = re.match(r'R"([^(]*)\(', src[i:]); end = ')' + m.group(1) + '"'
            j = src.find(end, i); j = n if j < 0 else j + len(end)
            out.append(re.sub(r'[^\n]', ' ', src[i:j])); i = j
        elif c == "'" and i > 0 and src[i-1].isalnum() and i + 1 < n and src[i+1].isalnum():
            out.append(c); i += 1  # a digit separator (100'000), not a character literal
        elif c in '"\'':
            j = i + 1
            while j < n and src[j] != c:
                j += 2 if src[j] == '\\' else 1
            out.append(re.sub(r'[^\n]', ' ', src[i:j + 1])); i = j + 1
        else:
            out.append(c); i += 1
    return ''.join(out)
res = []
files = []
for p in a.paths:
    if os.path.isdir(p):
        for r, _, fs in os.walk(p):
            files += [os.path.join(r, f) for f in fs if f.endswith(('.cpp', '.h', '.cc'))]
    else: files.append(p)
for f in files:
    s = strip(open(f, encoding='utf-8', errors='replace').read())
    stack = []  # (is_function, start_line)
    last = 0; in_fn = 0
    for i, c in enumerate(s):
        if c == '{':
            head = s[last:i]
            line = s.count('\n', 0, i) + 1
            isfn = (not in_fn and ')' in head and not CTRL.search(head.split('(')[0]) and
                    not re.search(r'=\s*$', head.strip()) and not head.strip().endswith(']'))
            if isfn:
                name = head.split('(')[0].split()[-1] if head.split('(')[0].split() else '?'
                stack.append((True, line, name)); in_fn += 1
            else: stack.append((False, line, ''))
            last = i + 1
        elif c == '}':
            if stack:
                isfn, start, name = stack.pop()
                if isfn:
                    in_fn -= 1
                    end = s.count('\n', 0, i) + 1
                    if end - start + 1 > a.limit: res.append((end - start + 1, f, start, name))
            last = i + 1
        elif c == ';':
            last = i + 1
long_files = []
for f in files:
    with open(f, encoding='utf-8', errors='replace') as handle:
        lines = sum(1 for _ in handle)
    if lines > a.max_file_lines: long_files.append((lines, f))
for n, f in sorted(long_files, reverse=True):
    print(f'check-function-size: {os.path.relpath(f, root)} is {n} lines (limit {a.max_file_lines})')
for n, f, l, name in sorted(res, reverse=True):
    print(f'check-function-size: {os.path.relpath(f, root)}:{l}: {name} is {n} lines (limit {a.limit})')
if res or long_files:
    sys.exit(1)
print(f'check-function-size: {len(files)} files, none over {a.max_file_lines} lines, no function over {a.limit} lines')
