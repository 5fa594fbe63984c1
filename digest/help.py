"""The command line's help: what each command does, for ``--help``."""

DESCRIPTION = """\
Build a news digest site from article bodies and metadata records.

Reads every file under the content folder, joins each body to its record,
and renders a home page, topic and provider pages, and one page per article
through the Jinja templates into a folder ready for GitHub Pages.
Settings come from digest.toml; options given here override them."""

SERVE_DESCRIPTION = """\
Build the site into memory and serve it, rebuilding on every change.

Watches the content, templates and static folders and digest.toml. Open pages
reload when they change, stylesheets are swapped in place, and a change that
breaks the build is shown over every open page while the last good site is
still served. Nothing is written to the output folder. Stop with Ctrl-C.

Only requests naming the server are answered: Host 127.0.0.1, localhost, [::1]
or the --host given, with the port it listens on. Others get 421, so that a
page from another site cannot read the preview (drafts included) by DNS
rebinding. On 0.0.0.0 or :: (every interface) this computer's name, NAME.local
and any IP address are answered too: an address cannot be rebound, and this
computer's addresses cannot be listed reliably (containers, port forwarding).
A client has 10 s to send its request; 32 requests are answered at once (more
wait, then get 503), and 64 pages kept live (a new one ends the oldest)."""

EPILOG = """\
exit status: 0 success, 1 content errors (check, or build --strict),
2 configuration or output problem, 130 interrupted.
Run 'digest COMMAND --help' for each command's options."""

NEW_DESCRIPTION = """\
Make a new site in DIR: digest.toml with every setting shown at its default,
a sample record and its body in content/, a .gitignore, and the GitHub Pages
workflow (.github/workflows/pages.yml) with requirements.txt saying where it
installs digest from. Nothing is overwritten: if any of these files, or a
content folder, is there already, nothing is written."""
