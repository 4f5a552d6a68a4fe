"""Tested helpers for the course "How Keras takes its training data".

Every public function names, in its docstring, the notebook that introduces it.
Importing this package is cheap: submodules (and TensorFlow) load on first use.
"""

from importlib import import_module

__version__ = "0.1.0"

# public name -> submodule that defines it
_EXPORTS = {
    # foundation (00_start_here)
    "doctor": "environment",
    "setup_notebook": "environment",
    "reuse_memory": "environment",
    "settings": "profiles",
    "active_profile": "profiles",
    "PROFILES": "profiles",
    "COURSE_MAP": "course_map",
    "data_home": "data",
    "dataset_status": "data",
    "prepare_datasets": "data",
    # datasets and the CSV generator (05)
    "prepare_flowers17": "flowers17",
    "FLOWERS17_CLASSES": "flowers17",
    "csv_image_generator": "csv_images",
    "mini_vggnet": "models",
    "flowers_augmentation": "models",
    "compile_flowers_recipe": "models",
    "write_image_csv": "csv_images",
    "read_image_csv": "csv_images",
    "csv_classes": "csv_images",
    "naive_csv_generator": "csv_images",
    "prepare_movielens": "movielens",
    # the recommender and its PyDataset (04)
    "RatingsDataset": "recommender",
    "split_ratings": "recommender",
    "build_recommender": "recommender",
    # variable-length sequences (07)
    "majority_sequences": "sequences",
    "padding_waste": "sequences",
    "bucket_batches": "sequences",
    # migrating legacy code (10) and the instructors' learner copies
    "find_legacy_keras": "legacy",
    "write_image_folders": "flowers17",
    "write_learner_copies": "learner",
    # 03_debugging_generators
    "check_generator": "checks",
    # measuring and speeding up an input pipeline (08)
    "StepTimer": "pipeline",
    "measure_step_wait": "pipeline",
    "probe_model": "pipeline",
    "format_waits": "pipeline",
    "csv_text_dataset": "pipeline",
    "build_npy_cache": "pipeline",
    "load_npy_cache": "pipeline",
    "NpyBatches": "pipeline",
    "peak_python_memory": "pipeline",
    "repeat_file": "pipeline",
    "run_with_backend": "backends",  # 11_inputs_across_backends
}


def __getattr__(name):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'course_utils' has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(list(globals()) + list(_EXPORTS))


__all__ = sorted(_EXPORTS)
