"""The run of a semi-supervised GAN experiment (ssl_gan.mlp, ssl_gan.cnn): build, train on
the shared loop, report. The experiment files give their discriminator and their numbers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import retroprop as rp
from retroprop.lab import Results, RunContext
from retroprop.lab.experiments.ssl_gan import _data, _report, _train


def run(
    config: dict[str, Any],
    ctx: RunContext,
    make_disc: Callable[[], Any],
    image_shape: tuple,
    compare: str,
) -> Results:
    """Train and report with ``config["threads"]`` BLAS threads; ``compare`` is the notes'
    sentence on the document's and the paper's numbers."""
    previous = rp.get_num_threads()
    rp.set_num_threads(int(config["threads"]))
    try:
        return _run(config, ctx, make_disc, image_shape, compare)
    finally:
        rp.set_num_threads(previous)


def _run(
    config: dict[str, Any],
    ctx: RunContext,
    make_disc: Callable[[], Any],
    image_shape: tuple,
    compare: str,
) -> Results:
    split = _data.load(
        config["seed"], config["per_class"], config["n_val"], config["n_train"], config["n_test"]
    )
    state = _train.build(config, split, make_disc, image_shape)
    epochs, decay_epochs, ema_decay = _train.schedule(config)
    logged = _report.log_epochs(config, epochs)

    def on_epoch_end(state: Any, epoch: int, logs: dict[str, float]) -> None:
        if epoch + 1 in logged:
            _report.save_samples(state, ctx, epoch + 1)

    history = ctx.loop(
        state,
        _train.make_step(config, split, image_shape),
        state.data,
        epochs=epochs,
        evaluate=_train.make_evaluate(split, image_shape),
        on_epoch_end=on_epoch_end,
    ).history
    metrics = _report.accuracy_metrics(history, logged, split)
    metrics.update(_report.timing_metrics(state, epochs, len(state.data)))
    figures = _report.figures(state, ctx, split, history, image_shape, logged)
    acc = metrics["test_accuracy"]
    notes = "\n\n".join(
        [
            f"Test accuracy {acc:.4f} ({metrics['test_errors']} errors) after {epochs} epochs "
            f"(schedule `{config['schedule']}`: learning rate {config['lr']} falling linearly "
            f"to 0 over the last {decay_epochs} epochs, average of D's weights with decay "
            f"{ema_decay}); D itself {metrics['test_accuracy/raw']:.4f}. {compare}",
            f"Settings: minibatch discrimination kernels {config['minibatch_kernels']} "
            f"(0: off, the paper's choice for classification), real label "
            f"{config['real_label']} (1: no one-sided smoothing), Adam eps "
            f"{config['adam_eps']} {'inside' if config['adam_eps_inside_sqrt'] else 'outside'} "
            f"the square root, unlabelled loss weight {config['unlabeled_weight']} (the code's "
            f"0.5). {metrics['ms_per_step']:.0f} ms a step, {metrics['epoch_s']:.0f} s an "
            f"epoch of {len(state.data)} steps on this machine "
            f"({config['threads']} BLAS thread(s)).",
            _report.protocol(split, config),
        ]
    )
    return Results(
        metrics=metrics,
        figures=figures,
        notes=notes,
        history=history,
        state_dict={"disc_avg": state.disc_avg.state_dict(), "gen": state.gen.state_dict()},
    )
