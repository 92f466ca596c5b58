"""Render a conversation with a tokenizer's chat template the way Python serving stacks do.

vLLM and the trainers render chat templates with jinja2 in an immutable sandbox, with
trim_blocks/lstrip_blocks on and a `tojson` filter that keeps non-ASCII text (transformers'
behaviour). The TypeScript side renders with @huggingface/jinja; tests run this script as the
independent peer and compare the two texts byte for byte.

usage: python3 render_chat_template.py tokenizer_config.json conversation.json
conversation.json: {"messages": [...], "tools": [...] or null}; the text goes to stdout.
"""
import json
import sys

import jinja2.ext
import jinja2.sandbox


def tojson(value, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(value, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def main():
    with open(sys.argv[1], encoding="utf-8") as handle:
        config = json.load(handle)
    with open(sys.argv[2], encoding="utf-8") as handle:
        conversation = json.load(handle)
    environment = jinja2.sandbox.ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[jinja2.ext.loopcontrols])
    environment.filters["tojson"] = tojson
    template = environment.from_string(config["chat_template"])
    special = lambda value: value if isinstance(value, str) else (value or {}).get("content", "")
    text = template.render(
        messages=conversation["messages"],
        tools=conversation.get("tools") or None,
        add_generation_prompt=False,
        bos_token=special(config.get("bos_token")),
        eos_token=special(config.get("eos_token")),
    )
    sys.stdout.buffer.write(text.encode("utf-8"))


main()
