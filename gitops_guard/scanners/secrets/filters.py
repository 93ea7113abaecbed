"""Precision: what looks like a credential but is not one, decided from the value, its line and its
file - never from a list of known samples.

- placeholders and documentation values (``xxxx``, ``<token>``, ``changeme``, ``EXAMPLE``,
  ``your-api-key``, ``${VAR}``-style references that a deploy step substitutes);
- digests where a digest is expected: subresource integrity (``sha384-...``), lock files,
  ``@sha256:`` image references, commit SHAs that pin something (pre-commit ``rev:``, GitLab
  ``ref:``, ``uses: owner/action@<sha>``, ``?ref=<sha>`` sources), and the resource tags that
  tagging tools write (``git_commit``, ``yor_trace``, ``git_last_modified_by``...);
- where the file sits: generated files keep only high-confidence findings, test fixtures are
  reported one confidence step lower.
"""

from __future__ import annotations

import re

#: Whole-value references a template engine, shell or CI substitutes: the value is not literal.
_REFERENCE = re.compile(
    r"""
    \$\{\{[^{}]*\}\}                      # GitHub Actions ${{ secrets.X }}
  | \$\{\s*[\w.:/-]+(?:\s*(?::?[-=?+]|\|)[^{}]*)?\s*\}   # ${VAR}, ${VAR:-default}, ${env:X}
  | \{\{-?[^{}]*-?\}\}                    # Helm / Jinja / Go templates {{ .Values.x }}
  | \{%-?[^{}]*-?%\}                      # Jinja statements
  | \$\(\s*[\w.-]+[^()]*\)                # $(VAR), $(command ...) in shell and Azure Pipelines
  | \$[A-Za-z_][A-Za-z0-9_]*              # $VAR
  | %\(\w+\)s | %\{[\w.:-]+\} | %[A-Z_][A-Z0-9_]*%   # Python %(x)s, Ruby/Puppet %{x}, Windows %X%
  | \#\{[^{}]+\}                          # Ruby interpolation
  | <%=?[^%]*%> | @[A-Za-z_][\w.]*@       # ERB, Maven/autoconf @VAR@
  | \{[A-Za-z_][\w.]*(?:\([^{}()]*\))?(?:\[[^{}]*\])?(?:![rsa])?(?::[^{}]*)?\}  # {name}, f"{f(x)}"
  | \(\(\s*[\w./-]+\s*\)\)                # Concourse ((var))
  | \[\[\s*[\w./-]+\s*\]\]                # Jenkins-style [[var]]
  | ENC\[[^\]]*\]                         # SOPS encrypted values
  | vault:[\w/.#-]+ | ref\+\w+://\S+      # vault:path#key, vals ref+...
  | arn:aws[\w-]*:(?:secretsmanager|ssm|kms):[\w:/.+=@-]*  # AWS secret-store references
  | projects/[\w-]+/secrets/[\w/.-]* | @Microsoft\.KeyVault\([^)]*\) | akv://\S+
  | (?:azurekeyvault|gcpsm|awssm|awsssm|vault|onepassword|op|doppler|infisical)://\S+
    """,
    re.VERBOSE,
)
#: Words that mark a documentation or placeholder value (matched on word-ish boundaries).
_PLACEHOLDER_WORDS = re.compile(
    r"""(?ix)
    (?:^|[^a-z])(?:
        example|examples|sample|dummy|placeholder|changeme|change[-_.]?me|change[-_]?this
      | replace[-_]?me|replace[-_]?with|fill[-_]?me|fill[-_]?in|insert[-_]?(?:your|here|key|token)
      | redacted|masked|obfuscated|notreal|not[-_]real|fake|fakekey|mock|todo|tbd|fixme
      | your[-_ ]?(?:own[-_ ]?)?(?:api|access|secret|auth|app|client|bot|personal|private|key
          |token|pass|password|account|org|project|user|db|database|webhook|signing)
      | my[-_]?(?:secret|token|password|api[-_]?key|key)
      | (?:secret|token|key|password)[-_]?(?:goes[-_]?)?here
      | enter[-_]?(?:your|the|a)? | put[-_]?your | add[-_]?your | xxx+ | nnn+
    )(?:$|[^a-z])
    """
)
#: Words long enough that no random token holds them by chance: a value containing one was
#: written by a person to illustrate (AWS's ``...EXAMPLEKEY``).
_MARKER_WORDS = re.compile(
    r"(?i)example|sample|placeholder|changeme|redacted|dummy|notreal|yourkey|yourtoken|"
    r"yoursecret|yourpassword|insertkey|inserttoken|replaceme|xxxxxx"
)
#: A value that is only the name of what should be there.
_GENERIC_WORD = re.compile(
    r"(?i)(?:password|passwd|pass|pwd|secret|token|key|apikey|api[_-]key|access[_-]?key|"
    r"secret[_-]?key|auth|credentials?|value|string|none|null|empty|default|test|user|username)"
)
_ANGLE_OR_BRACKET = re.compile(r"^(?:<[^<>]*>|\[[^\[\]]*\]|\{[^{}]*\}|\([^()]*\)|%[^%]+%)$")
#: Runs of the characters people type to blank a value out.
_REDACTION_RUN = re.compile(r"([xX*•#.?_0-])\1{3,}|(?:xX|Xx){2,}|(?:[*]+[-_.]?){3,}")
_HEX = re.compile(r"[0-9a-fA-F]+")


def is_reference(value: str) -> bool:
    """The value is made of template or variable references, with at most short literal glue
    (``Bearer ${TOKEN}``, ``{{ .Values.password }}``, ``$(DB_PASS)``)."""
    if not _REFERENCE.search(value):
        return False
    rest = _REFERENCE.sub("", value)
    return len(re.sub(r"[\s\"'`/:;,=@._-]", "", rest)) < 8


def inside_reference(line: str, col: int, length: int) -> bool:
    """The value at ``col`` is part of a reference on its line (an engine may report only the
    tail of ``arn:aws:secretsmanager:...``)."""
    return col >= 0 and any(
        m.start() <= col and col + length <= m.end() for m in _REFERENCE.finditer(line)
    )


def is_placeholder(value: str, sequences: bool = True) -> bool:
    """A value written to be replaced or to illustrate a format. ``sequences``: also alphabet
    and keyboard runs (``abcdefgh``, ``12345678``), which hand-made samples are full of."""
    v = value.strip("\"'` ")
    if not v:
        return True
    if _ANGLE_OR_BRACKET.match(v):
        return True
    if _PLACEHOLDER_WORDS.search(v) or _MARKER_WORDS.search(v) or _GENERIC_WORD.fullmatch(v):
        return True
    if v.endswith(("...", "\u2026")):  # shown truncated, as docs and UIs do
        return True
    run = _REDACTION_RUN.search(v)
    if run and len(run.group()) * 3 >= len(v):
        return True
    if len(set(v)) <= 2 and len(v) >= 6:
        return True
    return sequences and _is_sequence(v.lower())


def _is_sequence(value: str) -> bool:
    """``abcdef...``, ``0123456789...``, ``qwerty``: keyboard or alphabet runs."""
    letters = re.sub(r"[^a-z0-9]", "", value)
    if len(letters) < 8:
        return False
    for seq in ("abcdefghijklmnopqrstuvwxyz", "0123456789012345678901234567890", "qwertyuiop"):
        for i in range(0, len(letters) - 7):
            if letters[i : i + 8] in seq:
                return True
    return False


def is_uuid(value: str) -> bool:
    return bool(
        re.fullmatch(
            r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}", value
        )
    )


#: The last word of a name, when it says something *about* a secret rather than being one
#: (``password_file``, ``token_url``, ``secret_name``, ``secretKey`` of a secret store's map).
_ABOUT_A_SECRET = re.compile(
    r"(?i)(?:^|[_.-]|(?<=[a-z]))(?:name|names|id|ids|file|files|path|dir|url|uri|endpoint|host|"
    r"type|types|len|length|size|ttl|timeout|expiry|expires|expiration|expire|age|header|field|"
    r"prefix|suffix|env|var|ref|arn|version|mode|policy|count|enabled|enable|required|format|"
    r"pattern|regex|algorithm|algo|label|description|desc|hint|provider|store|manager|backend|"
    r"param|template|kind|class|source|selector|location|key[_.-]?id|name[_.-]?key|index|idx|"
    r"reset|change|changed|confirm|confirmation|strength|validator|validation|rule|rules|"
    r"schema|title|placeholder|prompt|message|msg|text|error|errors|input|form|column|attr|"
    r"attribute|property|prop|option|options|flag|usage|status|state|method|parser|generator|"
    r"fn|func|function|callback|handler|module|script|command|cmd|uid|secret[_.-]?key[_.-]?ref|"
    r"sha|hash|digest|checksum|fingerprint|nonce|salt|iv|min|max|question|answer|hash[_.-]?alg)$"
)
#: Public halves and publishable keys are meant to be shared.
_PUBLIC = re.compile(r"(?i)public|pub[_.-]?key|publishable|(?:^|[_.-])pub(?:$|[_.-])")
_NAME_BEFORE = re.compile(
    r"""([A-Za-z_@$][\w.@$-]*)['"`]?\]?\s*(?::\s*\w+\s*)?(?:=>|:=|=|:|,|\(|\s)\s*[@'"`(]*$"""
)
_DIGEST_WORDS = frozenset(
    [
        "sha",
        "sha1",
        "sha224",
        "sha256",
        "sha384",
        "sha512",
        "md5",
        "hash",
        "digest",
        "checksum",
        "crc",
        "etag",
        "commit",
        "rev",
        "revision",
        "fingerprint",
        "integrity",
        "nonce",
        "verification",
    ]
)


def assignment_name(line: str, col: int) -> str:
    """The name a value at ``col`` of ``line`` is assigned to (``DB_PASSWORD`` in
    ``DB_PASSWORD: "x"``, ``token`` in ``"token": "x"``), or ``""``."""
    if col < 0:
        return ""
    m = _NAME_BEFORE.search(line[:col])
    return m.group(1) if m else ""


def name_is_not_a_secret(name: str) -> bool:
    """The name says the value is about a secret (its file, url, name) or public."""
    bare = name.strip("'\"`$@").rstrip("]")
    return bool(_ABOUT_A_SECRET.search(bare) or _PUBLIC.search(bare))


def is_digest_name(name: str) -> bool:
    words = {w.lower() for w in re.split(r"[^A-Za-z0-9]+|(?<=[a-z])(?=[A-Z])", name) if w}
    return bool(words & _DIGEST_WORDS)


_WORDS = re.compile(
    r"[A-Za-z]+(?:[ _.-][A-Za-z]+)*[?!.]?"  # words, identifiers, labels
    r"|[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|[a-z][a-z0-9]*(?:_[a-z0-9]+)+"  # CONSTANT_NAMES, snake_case
    r"|[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+(?::[A-Za-z_][\w.]*)?"  # dotted names, entry points
)
#: Absolute and ./ paths, and relative ones made of lower-case words (``prod/api/key``): base64,
#: which has ``/`` too, mixes cases.
_PATH = re.compile(
    r"(?:~|\.\.?)?(?:/[A-Z]?[a-z0-9._-]*)+|[A-Za-z]:\\[\w .\\-]*|"
    r"[a-z0-9][a-z0-9._-]*(?:/[a-z0-9._-]+)+/?"
)


def is_plain_text(value: str) -> bool:
    """Words, identifiers and paths (``user_password``, ``Secret question``, ``prod/api/key``):
    what a keyword guess catches in labels, maps and configuration, never a generated secret."""
    v = value.strip("\"'` ")
    return bool(_WORDS.fullmatch(v) or _PATH.fullmatch(v))


_ENCRYPTED = re.compile(
    r"(?m)^kind:\s*SealedSecret\b|\$ANSIBLE_VAULT;|^sops:\s*$|-----BEGIN PGP MESSAGE-----|"
    r"^\s*encryptedData:\s*$"
)


def in_encrypted_block(text: str, offset: int) -> bool:
    """The value at ``offset`` sits in ciphertext: after a Sealed Secret's ``encryptedData:``,
    an Ansible Vault or PGP message header, or SOPS metadata, in the same YAML document."""
    before = text[max(0, offset - 8192) : offset]
    cut = max(before.rfind("\n---"), before.rfind("```"))
    return bool(_ENCRYPTED.search(before[cut + 1 :] if cut >= 0 else before))


def is_encrypted_text(text: str) -> bool:
    """A file of ciphertext (Sealed Secrets, SOPS, Ansible Vault, PGP messages): its random
    strings are encrypted values, safe to commit by design."""
    return bool(_ENCRYPTED.search(text))


#: A line where a hexadecimal digest is expected and public: pinning, integrity, tagging tools.
_DIGEST_CONTEXT = re.compile(
    r"""(?ix)
    \b(?:rev|ref|sha|commit|commit[-_]?sha|commit[-_]?id|revision|checksum|digest|hash|etag
      |integrity|fingerprint|git[-_]?sha|head[-_]?sha|base[-_]?sha|tree[-_]?sha|object[-_]?id
      |image[-_]?tag|tag|version|build[-_]?id|run[-_]?id|trace[-_]?id|request[-_]?id|span[-_]?id
      |sha1|sha256|sha384|sha512|md5|crc|nonce|salt[-_]?hex|last[-_]?commit)\b['"]?\s*[:=]
  | \buses:\s*[\w./-]+@ | @sha256: | \bsha(?:1|256|384|512)[-:=] | [?&]ref= | //ref= | \bref=
  | \bgit[-_](?:commit|file|last[-_]modified[-_](?:at|by)|modifiers|org|repo)\b
  | \byor[-_](?:trace|name)\b | \b(?:subresource|integrity)\b | verification
    """
)
#: Files whose hexadecimal and base64 strings are digests of dependencies, by name.
LOCK_FILES = frozenset(
    {
        "package-lock.json",
        "npm-shrinkwrap.json",
        "yarn.lock",
        "pnpm-lock.yaml",
        "bun.lock",
        "poetry.lock",
        "pipfile.lock",
        "pdm.lock",
        "uv.lock",
        "cargo.lock",
        "go.sum",
        "gemfile.lock",
        "composer.lock",
        "mix.lock",
        "pubspec.lock",
        "podfile.lock",
        "packages.lock.json",
        "gradle.lockfile",
        "flake.lock",
        ".terraform.lock.hcl",
        "conan.lock",
        "deno.lock",
        "paket.lock",
        "package.resolved",
        "requirements.lock",
    }
)


def is_digest_context(value: str, line: str, path: str) -> bool:
    """A hexadecimal or base64 value that the line presents as a digest, id or pin (or that sits
    in a lock file); never applied to values with a provider's prefix."""
    name = path.rsplit("/", 1)[-1].lower()
    if name in LOCK_FILES or name.endswith(".lock"):
        return True
    if _DIGEST_CONTEXT.search(line):
        return True
    if _HEX.fullmatch(value) and len(value) in (32, 40, 56, 64, 96, 128):
        # A bare digest-length hex value in a line that names an algorithm or a commit.
        return bool(re.search(r"(?i)\b(?:md5|sha\d*|hash|digest|commit|checksum)\b", line))
    return False


_GENERATED_HEADER = re.compile(
    r"(?i)(?:code generated .{0,80}do not edit|@generated\b|auto-?generated|"
    r"this file (?:is|was) (?:automatically |auto-)?generated|generated by (?:the )?\w+)"
)
_GENERATED_PATH = re.compile(
    r"(?i)(?:^|/)(?:node_modules|vendor|third_party|dist|build|\.next|__generated__|generated|"
    r"gen)/|\.min\.(?:js|css)$|\.pb\.go$|_pb2(?:_grpc)?\.py$|\.generated\.\w+$|\.g\.dart$|"
    r"\.designer\.cs$|\.map$"
)
_TEST_PATH = re.compile(
    r"(?i)(?:^|/)(?:tests?|spec|specs|__tests__|__mocks__|testdata|test[-_]data|fixtures?|mocks?|"
    r"testing|e2e|examples?|samples?|demo)/|(?:^|/)test_[^/]+$|_test\.\w+$|\.(?:spec|test)\.\w+$|"
    r"(?:^|/)[^/]*(?:fixture|mock|fake|dummy|example|sample)[^/]*$"
)


def is_generated(path: str, head: str) -> bool:
    """Generated or vendored code: by location, or a header in its first lines."""
    return bool(_GENERATED_PATH.search(path) or _GENERATED_HEADER.search(head[:2048]))


def is_test_fixture(path: str) -> bool:
    return bool(_TEST_PATH.search(path))
