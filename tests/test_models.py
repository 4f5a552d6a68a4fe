"""course_utils.models: MiniVGGNet's shape, size and options (05_flowers17_csv_generator)."""

import numpy as np
import pytest

from course_utils.models import mini_vggnet


def test_mini_vggnet_shapes_and_parameter_count():
    model = mini_vggnet()
    assert model.name == "minivggnet"
    assert model.input_shape == (None, 64, 64, 3)
    assert model.output_shape == (None, 17)
    # convs 896 + 9,248 + 18,496 + 36,928; BN 4 x (32 or 64) x 4 + 512 x 4;
    # dense 16,384 x 512 + 512; output 512 x 17 + 17
    assert model.count_params() == 8_466_225
    names = [layer.name for layer in model.layers]
    assert len(names) == len(set(names))
    assert names[:2] == ["image", "block1_conv1"]


def test_mini_vggnet_softmax_rows_sum_to_one():
    model = mini_vggnet(widths=(4, 8), dense=16, classes=5)
    x = np.random.default_rng(0).random((3, 64, 64, 3), dtype=np.float32)
    p = model.predict(x, verbose=0)
    assert p.shape == (3, 5)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-5)


def test_augmentation_layers_come_first_and_only_act_in_training():
    import keras

    flip = keras.layers.RandomFlip("horizontal", seed=1, name="flip")
    model = mini_vggnet(widths=(4, 8), dense=16, augmentation=[flip], bn_momentum=0.9)
    assert model.layers[1].name == "flip"
    bns = [layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)]
    assert len(bns) == 5 and all(bn.momentum == 0.9 for bn in bns)
    x = np.random.default_rng(1).random((2, 64, 64, 3), dtype=np.float32)
    np.testing.assert_array_equal(model.predict(x, verbose=0), model.predict(x, verbose=0))


def test_four_block_gap_variant_of_the_full_profile():
    from course_utils.profiles import settings

    full = settings("full")
    model = mini_vggnet(widths=full.flowers_widths, dense=full.flowers_dense,
                        head=full.flowers_head, bn_before_relu=full.flowers_bn_before_relu)
    # convs 1,172,256 - 960 biases; BN 2 x (32 + 64 + 128 + 256) x 4 + 256 x 4;
    # dense 256 x 256; output 256 x 17 + 17 -- a seventh of the tutorial's 8.5 million
    assert model.count_params() == 1_246_065
    names = [layer.name for layer in model.layers]
    assert "global_pool" in names and "flatten" not in names
    assert names.index("block4_pool") < names.index("global_pool") < names.index("fc")


def test_unknown_head_names_the_valid_ones():
    with pytest.raises(ValueError, match="head='avg'.*'flatten'.*'gap'"):
        mini_vggnet(widths=(4,), dense=8, head="avg")


def test_bn_before_relu_swaps_the_order_and_drops_the_biases():
    import keras

    tutorial = mini_vggnet(widths=(4,), dense=8)
    modern = mini_vggnet(widths=(4,), dense=8, bn_before_relu=True)
    kinds = [type(layer).__name__ for layer in tutorial.layers[1:4]]
    assert kinds == ["Conv2D", "Activation", "BatchNormalization"]
    kinds = [type(layer).__name__ for layer in modern.layers[1:4]]
    assert kinds == ["Conv2D", "BatchNormalization", "Activation"]
    weighted = [layer for layer in modern.layers
                if isinstance(layer, (keras.layers.Conv2D, keras.layers.Dense))]
    assert [layer.use_bias for layer in weighted] == [False, False, False, True]  # softmax keeps it
    # the same layers otherwise: 2 conv biases of 4 and the dense layer's 8 fewer weights
    assert tutorial.count_params() - modern.count_params() == 4 + 4 + 8


def _notebook_05_function(name):
    """The source of a function that notebook 05 defines in plain sight."""
    import json
    from pathlib import Path

    nb = json.loads(Path(__file__).parents[1].joinpath(
        "notebooks", "05_flowers17_csv_generator.ipynb").read_text())
    for cell in nb["cells"]:
        src = "".join(cell["source"])
        if cell["cell_type"] == "code" and f"def {name}(" in src:
            start = src.index(f"def {name}(")
            end = src.find("\n\n\n", start)
            return src[start:] if end < 0 else src[start:end]
    raise AssertionError(f"notebook 05 no longer defines {name}()")


def test_flowers_augmentation_is_the_one_notebook_05_builds():
    import keras

    from course_utils.models import flowers_augmentation

    namespace = {"keras": keras}
    exec(_notebook_05_function("make_augmentation"), namespace)
    ours, theirs = flowers_augmentation(), namespace["make_augmentation"]()
    assert [type(layer) for layer in ours] == [type(layer) for layer in theirs]
    for a, b in zip(ours, theirs, strict=True):
        ca, cb = a.get_config(), b.get_config()
        ca.pop("seed", None), cb.pop("seed", None)
        assert ca == cb, a.name
    assert flowers_augmentation()[0] is not ours[0]  # fresh layers at each call


def test_compile_flowers_recipe_matches_notebook_05_schedule_and_loss():
    import keras

    from course_utils.models import compile_flowers_recipe

    namespace = {"keras": keras, "math": __import__("math"), "BATCH_SIZE": 32, "EPOCHS": 75}
    exec(_notebook_05_function("compile_recipe"), namespace)
    model_a = mini_vggnet(widths=(4, 8), dense=16)
    model_b = mini_vggnet(widths=(4, 8), dense=16)
    steps, warmup, schedule = compile_flowers_recipe(model_a, 850, 75)
    steps_b, warmup_b, schedule_b = namespace["compile_recipe"](model_b, 850)
    assert (steps, warmup) == (steps_b, warmup_b) == (27, 3)
    for step in (0, 27 * 3, 27 * 39, 27 * 75):
        assert float(schedule(step)) == pytest.approx(float(schedule_b(step)), abs=1e-7)
    assert float(schedule(27 * 3)) == pytest.approx(0.02)
    assert float(schedule(27 * 75)) == pytest.approx(0.0, abs=1e-6)
    assert model_a.loss.get_config()["label_smoothing"] == 0.1
    opt = model_a.optimizer
    assert opt.nesterov and opt.momentum == 0.9 and opt.weight_decay == pytest.approx(5e-3)
    assert compile_flowers_recipe(mini_vggnet(widths=(4,), dense=8), 100, 3)[:2] == (4, 1)
