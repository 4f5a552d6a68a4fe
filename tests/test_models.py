"""course_utils.models: MiniVGGNet's shape, size and options (05_flowers17_csv_generator)."""

import numpy as np

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
