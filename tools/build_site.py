"""Build the course site: every lab as executed, the guides, the measurement pages and the API
reference, as static HTML that works offline (no page fetches anything from another host).

    python tools/build_site.py                          # runs the labs in the full profile first
    python tools/build_site.py --notebooks DIR          # reuse labs already executed (dlkit demo --out DIR)
    python tools/build_site.py --notebooks DIR --out build/site
    python tools/build_site.py --edition instructor     # with the exercises' solutions (not for students)

Sphinx with myst-nb: myst-nb renders a notebook's stored outputs as they are (figures, tables,
printed accuracies) without running it again, so CI builds the site from the notebooks its full-
profile step already executed; Sphinx's `-W` makes every warning (a broken link, a docstring
autodoc cannot read) fail the build; and autodoc writes the API reference from the docstrings.
A lab missing from DIR is executed here in the quick profile, and its page says so. MathJax is
served from the site itself (the copy in jupyter-server-mathjax), not from a CDN.

The site is the students' edition unless asked otherwise: each exercise shows its stub, as a student
copy has it, and no solution line or output of a solution cell reaches a page; the setup cell is the
install cell students run, folded; nbval's markers, ANSI colours and this machine's paths are taken
out of what a page shows; every figure carries its text alternative (``dlkit.figure_text``) as its
``alt``; and the HTML is made keyboard-reachable where the theme leaves it not (scrolling code and
tables take focus, the sidebar's captions are level-2 headings).

Needs the `site` extra: pip install -e ".[site,instructor]".
"""

from __future__ import annotations

import argparse
import ast
import functools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
LABS = ROOT / "labs"
DOCS = ROOT / "docs"
PAGES = ["students", "instructors", "classroom", "grading", "teaching-with-colab", "compatibility",
         "reference", "measurements", "measurements-earlier", "contributing", "changelog", "site"]
COLAB_BADGE = "https://colab.research.google.com/assets/colab-badge.svg"
LOCAL_BADGE = "_static/open-in-colab.svg"  # drawn here: the site fetches nothing from another host
BADGE_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="117" height="20" role="img" aria-label="Open in Colab">'
    '<rect width="117" height="20" rx="3" fill="#555"/>'
    '<rect x="74" width="43" height="20" rx="3" fill="#f9ab00"/>'
    '<rect x="74" width="4" height="20" fill="#f9ab00"/>'
    '<g fill="#fff" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11">'
    '<text x="6" y="14">Open in</text><text x="80" y="14">Colab</text></g></svg>'
)


def lab_paths() -> list[Path]:
    return sorted(LABS.glob("[0-9][0-9]_*.ipynb"))


def executed_copies(folder: Path | None, work: Path) -> dict[str, tuple[Path, str]]:
    """lab name -> (its executed notebook, the profile it ran in). Labs missing from ``folder``
    (or every lab, without one) are executed here: the full profile without a folder, the quick
    profile to fill gaps. A lab's page names the profile it ran in, as the lab itself printed it."""
    found: dict[str, tuple[Path, str]] = {}
    if folder is not None:
        for lab in lab_paths():
            executed = folder / lab.stem / lab.name
            if executed.is_file():
                found[lab.stem] = (executed, profile_it_ran_in(executed))
    missing = [lab for lab in lab_paths() if lab.stem not in found]
    if missing:
        profile = "quick" if folder is not None else "full"
        out = work / f"executed-{profile}"
        numbers = [lab.name[:2] for lab in missing]
        print(f"build_site: executing {', '.join(numbers)} in the {profile} profile", flush=True)
        # --keep-going: a lab that fails still gets a page, showing its error
        command = [sys.executable, "-m", "dlkit.instructor.cli", "demo", "--profile", profile,
                   "--only", *numbers, "--out", str(out)]
        completed = subprocess.run(command, check=False)
        for lab in missing:
            executed = out / lab.stem / lab.name
            if not executed.is_file():
                raise SystemExit(f"build_site: {lab.name} was not executed "
                                 f"(dlkit demo exited {completed.returncode})")
            found[lab.stem] = (executed, profile)
    return found


def profile_it_ran_in(executed: Path) -> str:
    """"full" or "quick", from the line a lab prints first ("profile: quick, seed: 42"); "either"
    for a lab that has no profile to print."""
    for cell in json.loads(executed.read_text())["cells"]:
        for output in cell.get("outputs", []):
            text = output.get("text", "")
            found = re.search(r"profile: (full|quick)\b", "".join(text) if isinstance(text, list) else text)
            if found:
                return found.group(1)
    return "either"  # a lab that prints no profile (lab 00) runs the same in both


def site_links(text: str, depth: int) -> str:
    """Links written for the repository (README at the top, pages in docs/, labs in labs/) made
    relative to a page ``depth`` folders below the site's root."""
    up = "../" * depth
    text = re.sub(r"\]\(\.\./docs/", f"]({up}", text)            # a lab linking a page
    text = re.sub(r"\]\(\.\./README\.md", f"]({up}index.md", text)  # a page linking the README
    text = re.sub(r"\]\(docs/", f"]({up}", text)                  # the README linking a page
    text = re.sub(r"\]\(\.\./labs/", f"]({up}labs/", text)          # a page linking a lab
    text = re.sub(r"\]\(LICENSE\)", "](https://opensource.org/license/mit)", text)
    text = text.replace(COLAB_BADGE, f"{up}{LOCAL_BADGE}")  # the badge picture from the site itself
    return text


@functools.cache
def decks_of_labs() -> dict[str, str]:
    """lab name -> the decks it follows, read from the README's table of labs (their one source)."""
    rows = re.findall(r"^\| \[[^\]]+\]\(labs/([0-9][0-9]_[a-z0-9_]+)\.ipynb\) \|.*\| ([^|]+) \|$",
                      (ROOT / "README.md").read_text(), re.MULTILINE)
    return {lab: decks.strip() for lab, decks in rows}


def lab_title(lab: Path) -> str:
    """"Lab 02 — Convolutional networks on MNIST": the lab's own first heading."""
    first = nbformat.read(lab, as_version=4).cells[0].source.splitlines()[0]
    return first.lstrip("# ").strip()


def what_it_teaches(lab: Path) -> list[str]:
    """The lab's numbered sections ("## 2 · Export for serving"), as a course page lists them."""
    sections = []
    for cell in nbformat.read(lab, as_version=4).cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                found = re.match(r"^## +\d+\s*[·.]\s*(.+)$", line)
                if found:
                    sections.append(found.group(1).strip())
    return sections


def what_it_needs(lab: Path) -> list[Path]:
    """The earlier labs this one builds on: those its text names ("lab 02's ConvNet")."""
    cells = nbformat.read(lab, as_version=4).cells
    text = " ".join(cell.source for cell in cells if cell.cell_type == "markdown")
    mentioned = {int(number) for number in re.findall(r"\b[Ll]abs? 0?(\d)\b", text)}
    this = int(lab.name[:2])
    return [path for path in lab_paths() if int(path.name[:2]) in mentioned and int(path.name[:2]) < this]


def how_long(lab: Path) -> str:
    from dlkit.instructor.lab_costs import read_lab_costs

    cost = next((cost for cost in read_lab_costs() if cost.lab == lab.stem), None)
    if cost is None:
        return ""
    minutes = max(1, round(cost.seconds / 60))
    plural = "s" if minutes != 1 else ""
    return (f"about {minutes} minute{plural} to run in the full profile on a {cost.cores}-core machine "
            f"({cost.machine.split(',')[0]}, measured {cost.date}); the quick profile takes a fraction")


def page_header(lab: Path, profile: str, metadata: dict) -> str:
    facts = metadata.get("dlkit", {})
    lines = [f"*This page is the lab as executed in the **{profile} profile**" if profile != "either"
             else "*This page is the lab as executed (it runs the same in both profiles)"]
    decks = decks_of_labs().get(lab.stem)
    if decks:
        lines[0] = f"*Follows the lecture decks {decks}.* " + lines[0]
    if profile == "quick":
        lines[0] += " (a few thousand examples, a few epochs: the figures show the code runs, not the lesson)"
    lines[0] += ".*"
    if facts.get("lesson"):
        lines.append(f"*What it asserts in the full profile: {facts['lesson']}.*")
    facts_list = []
    sections = what_it_teaches(lab)
    if sections:
        facts_list.append("**You will learn:** " + "; ".join(sections) + ".")
    needed = what_it_needs(lab)
    earlier = "; ".join(f"[{lab_title(path)}]({path.stem}.ipynb)" for path in needed)
    facts_list.append(f"**You need first:** {earlier or 'Python and numpy; no earlier lab'}.")
    duration = how_long(lab)
    if duration:
        facts_list.append(f"**How long:** {duration}.")
    facts_list.append(f"**The notebook:** {{download}}`download {lab.name} <../notebooks/{lab.name}>` "
                      "(the student copy: exercises to do, the install cell first), or open it in Colab "
                      "with the badge above.")
    lines.append("\n".join(f"- {fact}" for fact in facts_list))
    return "\n\n".join(lines)


LIVE_PAGE = re.compile(r"<iframe[^>]*src=\"https?://(127\.0\.0\.1|localhost)[:/]", re.IGNORECASE)
LIVE_PAGE_NOTE = ("[The lab showed its running service's own web page here. A static site has no "
                  "service behind it; run the lab to use the page.]\n")


BACKEND_LOG = re.compile(r"^([IWEF]\d{4} |WARNING: All log messages|To enable the following instructions|"
                         r"\S*cuda\S*\.cc:)")


def without_backend_logs(outputs: list[dict]) -> list[dict]:
    """A lab's outputs without the lines TensorFlow's C++ core writes to stderr (absl's start-up
    notes, CUDA probes on a machine without a GPU): a reader learns nothing from them. A
    Python warning or traceback stays."""
    kept = []
    for output in outputs:
        if output.get("output_type") == "stream" and output.get("name") == "stderr":
            text = output.get("text", "")
            lines = ("".join(text) if isinstance(text, list) else text).splitlines(keepends=True)
            lines = [line for line in lines if not BACKEND_LOG.match(line)]
            if not "".join(lines).strip():
                continue
            output = {**output, "text": "".join(lines)}
        kept.append(output)
    return kept


def without_live_pages(outputs: list[dict]) -> list[dict]:
    """A lab's outputs, where a frame onto a service the kernel was running (lab 05's `service.page()`)
    becomes a line saying so: on a static site nothing answers at that loopback address."""
    kept = []
    for output in outputs:
        html = output.get("data", {}).get("text/html", "")
        html = "".join(html) if isinstance(html, list) else html
        if LIVE_PAGE.search(html):
            output = {"output_type": "stream", "name": "stdout", "text": LIVE_PAGE_NOTE}
        kept.append(output)
    return kept


SITE_EDITIONS = ("student", "instructor")
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
INLINE_COLOUR = re.compile(r"(?<![-\w])(?:text-decoration-)?color:\s*#[0-9A-Fa-f]{3,8};?\s*")
NOISE = re.compile(r"^.*(TqdmWarning|IProgress not found|warnings\.warn\(|from \.autonotebook).*\n?",
                   re.MULTILINE)


def machine_paths(text: str) -> str:
    """``text`` without this machine's folders: the home folder as ``~``, a Python environment's
    packages as ``site-packages``, a temporary folder as ``<tmp>``."""
    text = re.sub(r"(?:/[^\s'\":]+)*/site-packages/", "site-packages/", text)
    home = str(Path.home())
    if len(home) > 1:
        text = text.replace(home, "~")
    text = re.sub(r"/tmp/[^\s'\":/]+", "<tmp>", text)
    return text


def clean_output(output: dict) -> dict | None:
    """An output as a page shows it: no ANSI colours (Keras' model summary prints colours that fail
    WCAG contrast on white), no progress-bar warnings, no machine paths; None when nothing is left."""
    if output.get("output_type") == "stream":
        text = output.get("text", "")
        text = "".join(text) if isinstance(text, list) else text
        text = machine_paths(NOISE.sub("", ANSI.sub("", text)))
        return {**output, "text": text} if text.strip() else None
    data = dict(output.get("data", {}))
    for kind in ("text/plain", "text/html"):
        if kind in data:
            value = "".join(data[kind]) if isinstance(data[kind], list) else data[kind]
            data[kind] = machine_paths(ANSI.sub("", value))
    if "text/html" in data:  # rich's HTML (Keras' model.summary()) in the page's own text colour
        data["text/html"] = INLINE_COLOUR.sub("", data["text/html"])
    if output.get("output_type") == "error":
        output = {**output, "traceback": [machine_paths(ANSI.sub("", line)) for line in output["traceback"]]}
    return {**output, "data": data} if "data" in output else output


def figure_alts(notebook) -> dict[str, str]:
    """sha256 of each figure's PNG (the name myst-nb gives its file) -> the figure's text."""
    import base64
    import hashlib

    from dlkit.instructor.demo import figure_text

    alts = {}
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            png = output.get("data", {}).get("image/png")
            if png:
                data = base64.b64decode("".join(png) if isinstance(png, list) else png)
                alts[hashlib.sha256(data).hexdigest()] = figure_text(output)
    return alts


def stage_notebook(source: Path, profile: str, target: Path, edition: str = "student") -> dict[str, str]:
    """Write the page's notebook to ``target``; returns its figures' texts by PNG hash. The
    students' edition is the student copy with the lab's outputs kept (``student_notebook``): each
    exercise's stub, no solution cell's code or output."""
    from dlkit.instructor.publish import is_setup_cell, with_install_cell
    from dlkit.instructor.student_copy import NBVAL_MARKER, student_notebook

    notebook = nbformat.read(source, as_version=4)
    if edition == "student":
        notebook = student_notebook(notebook, source.name, keep_outputs=True)
    else:
        with_install_cell(notebook)  # what students run first, folded on the page
    for cell in notebook.cells:
        if cell.cell_type == "code":
            outputs = without_live_pages(without_backend_logs(cell.get("outputs", [])))
            kept = [clean_output(output) for output in outputs]
            cell.outputs = [nbformat.from_dict(output) for output in kept if output is not None]
            cell.source = NBVAL_MARKER.sub("", cell.source)
            if is_setup_cell(cell):
                cell.metadata.setdefault("tags", []).append("hide-input")
        if cell.cell_type == "markdown":
            cell.source = site_links(cell.source, 1)
    lab = LABS / source.name
    header = nbformat.v4.new_markdown_cell(page_header(lab, profile, notebook.get("metadata", {})))
    header["id"] = "site-header"
    notebook.cells.insert(1, header)
    nbformat.write(notebook, target)
    return figure_alts(notebook)


def public_names() -> dict[str, list[str]]:
    """module -> the names the labs import from it (the API students meet), read from the labs."""
    imported: dict[str, set[str]] = {}
    for lab in lab_paths():
        notebook = json.loads(lab.read_text())
        for cell in notebook["cells"]:
            if cell["cell_type"] != "code":
                continue
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            lines = [line for line in source.splitlines() if not line.lstrip().startswith(("!", "%"))]
            source = "\n".join(lines)
            try:
                tree = ast.parse(source)
            except SyntaxError:
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("dlkit"):
                    imported.setdefault(node.module, set()).update(alias.name for alias in node.names)
    return {module: sorted(names) for module, names in sorted(imported.items())}


def api_page() -> str:
    parts = ["# API reference", "",
             "What the labs import from dlkit, module by module, from the docstrings. Everything else "
             "in dlkit is plumbing for the command line.", ""]
    for module, names in public_names().items():
        parts += [f"## `{module}`", "", "```{eval-rst}", f".. automodule:: {module}", "   :no-members:", ""]
        for name in names:
            kind = kind_of(module, name)
            # a constant is documented where it is defined: its ``#:`` comment is there
            home = defining_module(module, name) if kind == "data" else module
            parts += [f".. auto{kind}:: {home}.{name}"]
            if kind in ("class", "module"):
                parts += ["   :members:"]
        parts += ["```", ""]
    return "\n".join(parts)


def defining_module(module: str, name: str) -> str:
    """The module of a package that assigns ``name`` (a package re-exports what a submodule defines)."""
    import importlib
    import pkgutil

    package = importlib.import_module(module)
    for found in pkgutil.iter_modules(getattr(package, "__path__", [])):
        submodule = importlib.import_module(f"{module}.{found.name}")
        if getattr(submodule, name, None) is getattr(package, name) and re.search(
                rf"^{name}\s*[:=]", Path(submodule.__file__).read_text(encoding="utf-8"), re.MULTILINE):
            return f"{module}.{found.name}"
    return module


def kind_of(module: str, name: str) -> str:
    import importlib
    import inspect

    parent = importlib.import_module(module)
    value = getattr(parent, name, None)
    if value is None:  # `from package import submodule`
        value = importlib.import_module(f"{module}.{name}")
    if inspect.isclass(value):
        return "class"
    if callable(value):
        return "function"
    if inspect.ismodule(value):
        return "module"
    return "data"


CONF = '''
project = "dlkit"
author = "the dlkit course"
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "_ext"))
extensions = ["myst_nb", "sphinx.ext.autodoc", "sphinx.ext.napoleon", "dlkit_site"]
nb_execution_mode = "off"          # the notebooks' stored outputs, as the labs produced them
nb_ipywidgets_js = {}              # no widget JavaScript fetched from a CDN
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 4           # [text](page.md#a-heading) links, as on GitHub
html_theme = "furo"
html_title = "dlkit: hands-on deep learning with Keras"
html_static_path = ["_static"]
# MathJax 2 as jupyter-server-mathjax ships it (its one configuration, its STIX-Web fonts)
mathjax_path = "mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full"
mathjax2_config = {
    # myst-nb marks a notebook's page tex2jax_ignore; Sphinx marks each equation class="math"
    "tex2jax": {"inlineMath": [["\\\\(", "\\\\)"]], "displayMath": [["\\\\[", "\\\\]"]],
                "processRefs": False, "processEnvironments": False, "processClass": "math"},
    "menuSettings": {"zoom": "None", "assistiveMML": True},  # MathML beside each equation: read aloud
    "HTML-CSS": {"availableFonts": ["STIX-Web"], "preferredFont": "STIX-Web", "webFont": "STIX-Web",
                 "imageFont": None},
}
autodoc_typehints = "description"
autodoc_member_order = "bysource"
napoleon_google_docstring = True
exclude_patterns = ["_build", "_ext", "notebooks"]  # notebooks/: the downloads, not pages
html_css_files = ["dlkit-site.css"]
nitpicky = False
suppress_warnings = ["myst.header"]  # labs start sections at ## under a # title, as notebooks do
html_show_sourcelink = False
'''


def index_page(executed: dict[str, tuple[Path, str]], edition: str = "student") -> str:
    readme = site_links((ROOT / "README.md").read_text(), 0)
    readme = re.sub(r"\]\(labs/([0-9][0-9]_[a-z0-9_]+)\.ipynb\)", r"](labs/\1.ipynb)", readme)
    labs = "\n".join(f"labs/{name}" for name in sorted(executed))
    guides = "\n".join(PAGES)
    return (what_this_site_shows(executed, edition) + "\n\n" + readme
            + "\n\n```{toctree}\n:caption: The labs\n:maxdepth: 1\n:hidden:\n\n" + labs
            + "\n```\n\n```{toctree}\n:caption: Guides and measurements\n:maxdepth: 1\n:hidden:\n\n" + guides
            + "\napi\n```\n")


def what_this_site_shows(executed: dict[str, tuple[Path, str]], edition: str) -> str:
    """The home page's first words: the edition, and the profile each lab page ran in, as built."""
    by_profile: dict[str, list[str]] = {}
    for name, (_, profile) in sorted(executed.items()):
        by_profile.setdefault(profile, []).append(name[:2])
    ran = "; ".join(f"labs {', '.join(numbers)} in the {profile} profile" if profile != "either"
                    else f"labs {', '.join(numbers)} (the same in both profiles)"
                    for profile, numbers in by_profile.items())
    if edition == "student":
        which = ("**The students' edition**: each exercise shows the stub a student fills in; no "
                 "solution is on any page.")
    else:
        which = ("**The instructors' edition**: every exercise's solution is shown. Do not publish it "
                 "to students.")
    quick = (" A page run in the quick profile shows that the code runs, not the lesson (a few thousand "
             "examples, a few epochs)." if "quick" in by_profile else "")
    return f"```{{note}}\n{which} The lab pages were executed as follows: {ran}.{quick}\n```"


SITE_CSS = """/* Figures at their drawn size up to the page's width (myst-nb's default squeezes wide ones). */
.cell_output img { max-width: 100%; height: auto; }
/* A scrolling block or table is focusable (tabindex, added to the HTML): show where focus is. */
pre:focus-visible, .dlkit-scroll:focus-visible { outline: 3px solid #1a4f8b; outline-offset: 2px; }
"""


def stage(executed: dict[str, tuple[Path, str]], source: Path, edition: str = "student") -> None:
    (source / "labs").mkdir(parents=True)
    (source / "notebooks").mkdir()
    (source / "_static").mkdir()
    (source / "_ext").mkdir()
    (source / LOCAL_BADGE).write_text(BADGE_SVG)
    (source / "_static" / "dlkit-site.css").write_text(SITE_CSS)
    alts: dict[str, str] = {}
    for name, (notebook, profile) in executed.items():
        alts.update(stage_notebook(notebook, profile, source / "labs" / f"{name}.ipynb", edition))
    # the notebook a student downloads: the student copy, never the instructor's
    from dlkit.instructor.student_copy import write_student_copies

    write_student_copies([LABS / f"{name}.ipynb" for name in executed], source / "notebooks")
    (source / "_ext" / "figure-alts.json").write_text(json.dumps(alts, indent=0))
    shutil.copy(Path(__file__).with_name("site_extension.py"), source / "_ext" / "dlkit_site.py")
    for page in PAGES:
        (source / f"{page}.md").write_text(site_links((DOCS / f"{page}.md").read_text(), 0))
    for picture in DOCS.glob("*.png"):
        shutil.copy(picture, source / picture.name)
    (source / "api.md").write_text(api_page())
    (source / "index.md").write_text(index_page(executed, edition))
    (source / "conf.py").write_text(CONF)
    import jupyter_server_mathjax

    mathjax = Path(jupyter_server_mathjax.__file__).parent / "static"
    shutil.copytree(mathjax, source / "_static" / "mathjax",
                    ignore=shutil.ignore_patterns("*.md", "docs", "test", "unpacked", "localization", "a11y"))


def build(notebooks: Path | None, out: Path, edition: str = "student") -> Path:
    with tempfile.TemporaryDirectory(prefix="dlkit-site-") as work:
        work = Path(work)
        executed = executed_copies(notebooks, work)
        source = work / "source"
        stage(executed, source, edition)
        if out.exists():
            shutil.rmtree(out)
        environment = {**os.environ, "PYTHONWARNINGS": "ignore"}
        completed = subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
                                    str(source), str(out)], env=environment, check=False)
        if completed.returncode:
            raise SystemExit(f"build_site: Sphinx reported warnings or errors (exit {completed.returncode}); "
                             "the site was not built")
    from site_extension import keyboard_reachable

    changed = keyboard_reachable(out)
    print(f"build_site: the {edition}s' edition is in {out} (open {out / 'index.html'}); "
          f"{changed} pages made keyboard-reachable")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notebooks", type=Path, help="a `dlkit demo --out` folder of executed labs")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "site", help="where the HTML goes")
    parser.add_argument("--edition", choices=SITE_EDITIONS, default="student",
                        help="student (the default: each exercise's stub, no solution) or instructor "
                             "(the solutions shown: never publish it to students)")
    arguments = parser.parse_args(argv)
    if arguments.notebooks is not None and not arguments.notebooks.is_dir():
        parser.error(f"--notebooks {arguments.notebooks}: no such folder")
    build(arguments.notebooks, arguments.out.resolve(), arguments.edition)
    return 0


if __name__ == "__main__":
    sys.exit(main())
