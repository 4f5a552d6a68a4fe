"""Models the course trains on Flowers-17 (introduced in 05_flowers17_csv_generator)."""


def mini_vggnet(input_shape=(64, 64, 3), classes=17, *, widths=(32, 64), dense=512,
                augmentation=None, bn_momentum=0.99, name="minivggnet"):
    """MiniVGGNet, the small VGG-style network of the classic tutorial
    (05_flowers17_csv_generator; reused in 06_data_augmentation).

    Two blocks of (CONV 3x3 => RELU => BN) x 2 => 2x2 max-pool => dropout 0.25, with
    ``widths`` filters (32, then 64), then flatten => dense ``dense`` => RELU => BN =>
    dropout 0.5 => softmax over ``classes``. Inputs are images scaled to [0, 1].
    ``augmentation``: an optional list of Keras preprocessing layers placed right after
    the input (active in ``fit`` only). ``bn_momentum``: the batch-normalization layers'
    momentum (Keras' default 0.99; a lower value such as 0.9 lets the statistics used at
    inference settle within a short training run). Layers have fixed names, so
    ``summary()`` is reproducible. Returns an uncompiled ``keras.Model``.
    """
    import keras
    from keras import layers

    inputs = keras.Input(shape=input_shape, name="image")
    x = inputs
    for layer in augmentation or []:
        x = layer(x)
    for block, width in enumerate(widths, start=1):
        for conv in (1, 2):
            tag = f"block{block}_conv{conv}"
            x = layers.Conv2D(width, 3, padding="same", name=tag)(x)
            x = layers.Activation("relu", name=f"{tag}_relu")(x)
            x = layers.BatchNormalization(momentum=bn_momentum, name=f"{tag}_bn")(x)
        x = layers.MaxPooling2D(2, name=f"block{block}_pool")(x)
        x = layers.Dropout(0.25, name=f"block{block}_dropout")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(dense, name="fc")(x)
    x = layers.Activation("relu", name="fc_relu")(x)
    x = layers.BatchNormalization(momentum=bn_momentum, name="fc_bn")(x)
    x = layers.Dropout(0.5, name="fc_dropout")(x)
    outputs = layers.Dense(classes, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, outputs, name=name)
