# SPDX-License-Identifier: LGPL-2.1-or-later
"""Tables (text or Markdown), JSON and the bar chart of bench/compare."""
import json
import os
import platform
import subprocess

NAMES = {"mnv3": "mnv3", "ort": "ORT", "openvino": "OpenVINO",
         "litert": "LiteRT", "ncnn": "ncnn", "opencv": "OpenCV"}
ISA_FLAGS = ["avx2", "fma", "avx512f", "avx512bw", "avx512vl",
             "avx512_vnni", "avx_vnni", "avx512_bf16", "amx_int8"]


def cpu_name():
    """'model name' of /proc/cpuinfo, with the family and model numbers:
    a virtual machine's name ("AMD EPYC") may hide which generation it
    is, and the peak depends on it."""
    info = {}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                k, _, v = line.partition(":")
                if k.strip() in ("model name", "cpu family", "model"):
                    info.setdefault(k.strip(), v.strip())
                if not line.strip():
                    break
    except OSError:
        pass
    name = info.get("model name") or platform.processor() or "unknown CPU"
    if "cpu family" in info and "model" in info:
        name += f" (family {info['cpu family']}, model {info['model']})"
    return name


def cpu_isa():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    have = set(line.split(":", 1)[1].split())
                    return " ".join(x for x in ISA_FLAGS if x in have)
    except OSError:
        pass
    return "?"


def input_size(m):
    s = m.get("shape")
    if not s:
        return "%dx%d" % m["hw"] if m.get("hw") else "?"
    h, w = (s[2], s[3]) if m["layout"] == "nchw" else (s[1], s[2])
    return f"{h}x{w}"


class Notes:
    """Footnotes: one number per distinct reason."""

    def __init__(self):
        self.texts = []

    def ref(self, engine, why):
        text = f"{NAMES[engine]}: {why}"
        if text not in self.texts:
            self.texts.append(text)
        return f"[{self.texts.index(text) + 1}]"


def cell(row, e, notes):
    c = row["cells"].get(e)
    if c is None:
        return ""
    if "median_ms" in c:
        return f"{c['median_ms']:.2f} ({c['min_ms']:.2f})"
    return "n/a" if c["na"] else "- " + notes.ref(e, c["why"])


def best_peer(row, engines):
    best = None
    for e in engines:
        c = row["cells"].get(e, {})
        if e != "mnv3" and "median_ms" in c and \
           (best is None or c["median_ms"] < best[1]["median_ms"]):
            best = (e, c)
    return best


def latency_table(rows, ctx, notes):
    engines = ctx["engines"]
    hdr = ["model", "prec", "input", "thr"] + \
        [NAMES[e] + " ms" for e in engines] + \
        ["best peer", "mnv3/best (min)", "peak ms"]
    out = []
    for r in rows:
        m, mn = r["model"], r["cells"].get("mnv3", {})
        bp = best_peer(r, engines)
        ratio = "-"
        if bp and "median_ms" in mn:
            ratio = "%.2f (%.2f)" % (mn["median_ms"] / bp[1]["median_ms"],
                                     mn["min_ms"] / bp[1]["min_ms"])
        out.append([m["label"], m["prec"], input_size(m), str(r["threads"])]
                   + [cell(r, e, notes) for e in engines]
                   + [NAMES[bp[0]] if bp else "-", ratio,
                      "%.2f" % r["peak_ms"] if r.get("peak_ms") else "-"])
    return hdr, out


def peak_table(rows, ctx):
    engines = ctx["engines"]
    hdr = ["model", "prec", "thr", "peak ms"] + [NAMES[e] for e in engines]
    out = []
    for r in rows:
        if not r.get("peak_ms"):
            continue
        line = [r["model"]["label"], r["model"]["prec"], str(r["threads"]),
                "%.2f" % r["peak_ms"]]
        for e in engines:
            c = r["cells"].get(e, {})
            line.append("%.1fx" % (c["median_ms"] / r["peak_ms"])
                        if "median_ms" in c else "")
        out.append(line)
    return hdr, out


def diff_table(ctx):
    engines = [e for e in ctx["engines"] if e != "mnv3"]
    hdr = ["model", "prec", "file"] + [NAMES[e] for e in engines]
    out = []
    for m in ctx["models"]:
        line = [m["label"], m["prec"], m["file"]]
        for e in engines:
            d = m.get("diff", {}).get(e)
            if m.get("ref", "mnv3") == e:
                line.append("(ref.)")
            elif d is None:
                line.append("")
            elif d[1] == "labels":
                line.append("%.2f%% labels" % (100 * d[0]))
            else:
                line.append("%.1e" % d[0])
        out.append(line)
    return hdr, out


def header(ctx):
    v = ", ".join(f"{k} {x}" for k, x in ctx["versions"].items() if x)
    pk = "; ".join(f"{k} peak {g:.1f} GMAC/s per core ({n})"
                   for k, (g, n) in sorted(ctx["peak"].items()))
    return (f"CPU: {cpu_name()}, {os.cpu_count()} logical CPUs, "
            f"ISA: {cpu_isa()}; "
            f"median (min) of {ctx['runs']} runs after {ctx['warmup']} "
            "warm-up" + (f", median of {ctx['rounds']} rounds' medians, "
                         "min over all" if ctx["rounds"] > 1 else "")
            + f", batch 1; {v}" + (f"; {pk}" if pk else ""))


def emit(hdr, lines, markdown, left=2):
    if not lines:
        return
    if markdown:
        print("| " + " | ".join(hdr) + " |")
        print("|" + "|".join("---" if i < left else "---:"
                             for i in range(len(hdr))) + "|")
        for l in lines:
            print("| " + " | ".join(l) + " |")
    else:
        w = [max(len(h), *(len(l[i]) for l in lines))
             for i, h in enumerate(hdr)]
        print("  ".join(h.ljust(w[i]) if i < left else h.rjust(w[i])
                        for i, h in enumerate(hdr)))
        for l in lines:
            print("  ".join(c.ljust(w[i]) if i < left else c.rjust(w[i])
                            for i, c in enumerate(l)))
    print()


def print_tables(rows, ctx, markdown):
    notes = Notes()
    print(header(ctx) + "\n")
    print("Latency, ms: median (min); mnv3/best: mnv3 over the fastest peer "
          "(below 1: mnv3 is faster); peak ms: the network's MACs at this "
          "machine's per-core peak on `thr` cores.\n")
    emit(*latency_table(rows, ctx, notes), markdown, left=3)
    q = [m for m in ctx["models"] if m["prec"] != "fp32"]
    if q:
        prec = sorted({str(m.get("mnv3_precision")) for m in q
                       if m.get("mnv3_precision")})
        print("Quantized rows: mnv3 ran them in "
              + (", ".join(prec) + " (as mnv3-bench reports)" if prec else
                 "the precision its build chooses by default; this "
                 "mnv3-bench does not report it (builds before the integer "
                 "engine dequantize the weights and run in float)")
              + "; the peers run their own integer kernels where they have "
              "them.\n")
    hdr, lines = peak_table(rows, ctx)
    if lines:
        print("Latency as a multiple of the compute limit (median / peak "
              "ms; 1.0x would be every multiply-add at the peak rate):\n")
        emit(hdr, lines, markdown, left=2)
    print("Output 0 of each peer against mnv3's on the same input: max "
          "|peer - mnv3| / max |mnv3|; label maps: share of differing "
          "labels; where mnv3 cannot run the file, against the peer marked "
          "(ref.):\n")
    emit(*diff_table(ctx), markdown, left=3)
    if notes.texts:
        for i, t in enumerate(notes.texts):
            print(f"[{i + 1}] {t}" + ("  " if markdown else ""))
        print()


def print_json(rows, ctx, out=None):
    rows_out = []
    for r in rows:
        m = r["model"]
        rows_out.append({"model": m["label"], "key": m["key"], "file": m["path"],
                    "prec": m["prec"], "input": input_size(m),
                    "threads": r["threads"], "macs": m.get("macs"),
                    "peak_ms": r.get("peak_ms"), "engines": r["cells"],
                    "diff_vs_mnv3": m.get("diff"),
                    "failed": m.get("failed")})
    print(json.dumps({"cpu": cpu_name(), "isa": cpu_isa(),
                      "cores": os.cpu_count(), "versions": ctx["versions"],
                      "peak_gmacs_per_core": ctx["peak"], "runs": ctx["runs"],
                      "warmup": ctx["warmup"], "rounds": ctx["rounds"],
                      "rows": rows_out}, indent=1), file=out)


COLOURS = {"mnv3": "#d62728", "ort": "#1f77b4", "openvino": "#9467bd",
           "litert": "#2ca02c", "ncnn": "#ff7f0e", "opencv": "#7f7f7f"}


def plot(rows, ctx, path):
    """Grouped bars: one panel per thread count, one group per model, one
    bar per engine (median, log scale), the compute limit as a black line
    over each group."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    threads = sorted({r["threads"] for r in rows})
    engines = [e for e in ctx["engines"]
               if any("median_ms" in r["cells"].get(e, {}) for r in rows)]
    models = ctx["models"]
    fig, axes = plt.subplots(len(threads), 1, squeeze=False,
                             figsize=(max(8, 1.45 * len(models) + 2),
                                      3.6 * len(threads) + 0.8))
    width = 0.8 / max(len(engines), 1)
    labelled = set()
    for ax, t in zip(axes[:, 0], threads):
        for mi, m in enumerate(models):
            r = next((x for x in rows if x["model"] is m
                      and x["threads"] == t), None)
            if r is None:
                continue
            for ei, e in enumerate(engines):
                c = r["cells"].get(e, {})
                x = mi - 0.4 + width * (ei + 0.5)
                if "median_ms" in c:
                    ax.bar(x, c["median_ms"], width, color=COLOURS[e],
                           label=None if e in labelled else NAMES[e])
                    labelled.add(e)
                    ax.text(x, c["median_ms"] * 1.06, _short(c["median_ms"]),
                            ha="center", va="bottom", fontsize=6,
                            rotation=90)
                elif c:
                    ax.text(x, 0, "x", ha="center", va="bottom", fontsize=7,
                            color=COLOURS[e], transform=ax.get_xaxis_transform())
            if r.get("peak_ms"):
                ax.hlines(r["peak_ms"], mi - 0.42, mi + 0.42, colors="black",
                          linewidth=1.5,
                          label=None if "peak" in labelled
                          else "compute limit (peak rate)")
                labelled.add("peak")
        ax.set_yscale("log")
        ax.set_ylabel(f"ms, {t} thread" + ("s" if t > 1 else ""))
        ax.set_xticks(range(len(models)))
        ax.set_xticklabels([f"{m['label']}\n{m['prec']} {input_size(m)}"
                            for m in models], fontsize=7)
        ax.set_xlim(-0.5, len(models) - 0.5)
        ax.grid(axis="y", which="both", alpha=0.25)
        ax.margins(y=0.15)
    handles, labels = [], []
    for ax in axes[:, 0]:
        for h, l in zip(*ax.get_legend_handles_labels()):
            if l not in labels:
                handles.append(h)
                labels.append(l)
    fig.suptitle(f"median latency, {cpu_name()}, {os.cpu_count()} logical "
                 "CPUs (x: engine failed or cannot read the file; lower is "
                 "better)", fontsize=9, y=0.995)
    order = [NAMES[e] for e in ctx["engines"]]
    pairs = sorted(zip(handles, labels), key=lambda p: order.index(p[1])
                   if p[1] in order else len(order))
    handles, labels = [p[0] for p in pairs], [p[1] for p in pairs]
    fig.legend(handles, labels, loc="upper center", ncol=len(labels),
               fontsize=8, frameon=False,
               bbox_to_anchor=(0.5, 1 - 0.25 / fig.get_figheight()))
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.45 / fig.get_figheight()))
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _short(v):
    return f"{v:.1f}" if v >= 10 else f"{v:.2f}"
