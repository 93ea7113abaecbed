"""A deliberately vulnerable service, used by the README's first command."""

import subprocess

import yaml


def run(user_input):
    # Command injection: a shell with user input.
    return subprocess.call("ls " + user_input, shell=True)


def load(blob):
    return yaml.load(blob)  # arbitrary object construction


PASSWORD = "hunter2"  # hard-coded password
