"""Every size that depends on the profile, in one place (introduced in 00_start_here).

``COURSE_PROFILE=quick`` (the default: CI, Binder, a workshop) keeps each notebook
short; ``COURSE_PROFILE=full`` reproduces the headline results. What each profile
achieves, and in how long, is stated in one place: the "Profiles" section of the
repository's README.md. Notebooks read their sizes with ``course_utils.settings()``.
"""

import os
from types import SimpleNamespace

ENV_VAR = "COURSE_PROFILE"
DEFAULT = "quick"

# One section per notebook; a key's name says what it sizes.
PROFILES = {
    "quick": {
        # 01_three_ways_to_train
        "three_ways_epochs": 3,
        "three_ways_samples": 2400,
        # 02_how_fit_consumes_a_generator
        "consume_epochs": 3,
        # 03_debugging_generators
        "debug_epochs": 2,
        # 04_pydataset_and_a_recommender
        "recommender_epochs": 3,
        "recommender_embedding_dim": 32,
        "recommender_batch_size": 256,
        # 05_flowers17_csv_generator (the tutorial's MiniVGGNet at half width)
        "flowers_epochs": 2,
        "flowers_batch_size": 32,
        "flowers_widths": (16, 32),
        "flowers_dense": 128,
        "flowers_head": "flatten",
        "flowers_bn_before_relu": False,
        "flowers_bn_momentum": 0.9,
        "flowers_refit": False,  # keep the model trained without the validation rows
        # 06_data_augmentation (05's network, recipe and epochs; seeds of the with/without runs)
        "aug_seeds": (42,),
        "aug_timing_images": 256,
        # 07_variable_length_sequences
        "seq_epochs": 3,
        # 08_input_pipeline_performance (rows timed, training steps timed, memory test rows,
        # batches of the reader with a fixed delay, small steps for steps_per_execution)
        "pipeline_images": 256,
        "pipeline_steps": 6,
        "pipeline_memory_rows": 128,
        "pipeline_latency_batches": 30,
        "pipeline_small_steps": 1024,
        # 09_train_on_batch_and_custom_loops
        "loops_max_epochs": 15,
        # 10_migrating_legacy_keras_code
        "legacy_epochs": 3,
        # 11_inputs_across_backends (seconds allowed to a process of another backend)
        "backends_timeout": 300,
    },
    "full": {
        # 01_three_ways_to_train
        "three_ways_epochs": 10,
        "three_ways_samples": 24000,
        # 02_how_fit_consumes_a_generator
        "consume_epochs": 3,
        # 03_debugging_generators
        "debug_epochs": 5,
        # 04_pydataset_and_a_recommender
        "recommender_epochs": 6,
        "recommender_embedding_dim": 32,
        "recommender_batch_size": 256,
        # 05_flowers17_csv_generator (MiniVGGNet with four blocks, BN before ReLU, global pooling)
        "flowers_epochs": 75,
        "flowers_batch_size": 32,
        "flowers_widths": (32, 64, 128, 256),
        "flowers_dense": 256,
        "flowers_head": "gap",
        "flowers_bn_before_relu": True,
        "flowers_bn_momentum": 0.99,
        "flowers_refit": True,  # train the final model again on all 1,020 rows
        # 06_data_augmentation (05's network, recipe and epochs; seeds of the with/without runs)
        "aug_seeds": (42, 7),
        "aug_timing_images": 1024,
        # 07_variable_length_sequences
        "seq_epochs": 15,
        # 08_input_pipeline_performance (the whole training CSV, as the benchmark)
        "pipeline_images": 1020,
        "pipeline_steps": 30,
        "pipeline_memory_rows": 1020,
        "pipeline_latency_batches": 60,
        "pipeline_small_steps": 4096,
        # 09_train_on_batch_and_custom_loops
        "loops_max_epochs": 40,
        # 10_migrating_legacy_keras_code
        "legacy_epochs": 10,
        # 11_inputs_across_backends (seconds allowed to a process of another backend)
        "backends_timeout": 600,
    },
}


def active_profile():
    """Name of the active profile, from ``COURSE_PROFILE`` (00_start_here).

    Raises ``ValueError`` naming the valid profiles when the variable holds anything else.
    """
    name = os.environ.get(ENV_VAR, "").strip().lower() or DEFAULT
    if name not in PROFILES:
        valid = ", ".join(repr(p) for p in PROFILES)
        raise ValueError(
            f"{ENV_VAR}={os.environ[ENV_VAR]!r} is not a profile of this course. "
            f"Valid profiles: {valid}. Unset it for the default ({DEFAULT!r})."
        )
    return name


def settings(profile=None):
    """The sizes of a profile (the active one by default) as attributes (00_start_here).

    For example ``settings().flowers_epochs`` is the number of epochs 05 trains for, read
    from ``PROFILES``. ``.name`` is the profile's name.
    """
    name = active_profile() if profile is None else profile
    if name not in PROFILES:
        raise ValueError(f"unknown profile {name!r}; valid profiles: {', '.join(PROFILES)}")
    return SimpleNamespace(name=name, **PROFILES[name])
