"""Models the course trains on Flowers-17 (introduced in 05_flowers17_csv_generator)."""


def mini_vggnet(input_shape=(64, 64, 3), classes=17, *, widths=(32, 64), dense=512,
                head="flatten", bn_before_relu=False, augmentation=None, bn_momentum=0.99,
                name="minivggnet"):
    """MiniVGGNet, the small VGG-style network of the classic tutorial
    (05_flowers17_csv_generator; reused in 06_data_augmentation).

    Two blocks of (CONV 3x3 => RELU => BN) x 2 => 2x2 max-pool => dropout 0.25, with
    ``widths`` filters (32, then 64), then flatten => dense ``dense`` => RELU => BN =>
    dropout 0.5 => softmax over ``classes``. Inputs are images scaled to [0, 1].
    One block per entry of ``widths``: ``(32, 64, 128, 256)`` gives the deeper variant
    that the full profile of 05 trains. ``head="gap"`` replaces ``Flatten`` with global
    average pooling, so the dense layer sees ``widths[-1]`` numbers instead of every
    position of the last feature map (far fewer parameters, less overfitting).
    ``bn_before_relu=True`` normalizes each convolution's (and the dense layer's) output
    before its ReLU, the order of most networks since ResNet, instead of after it as the
    tutorial did; those layers then need no bias, which BN's offset replaces.
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

    def relu_and_bn(x, tag):
        relu = layers.Activation("relu", name=f"{tag}_relu")
        bn = layers.BatchNormalization(momentum=bn_momentum, name=f"{tag}_bn")
        return relu(bn(x)) if bn_before_relu else bn(relu(x))

    for block, width in enumerate(widths, start=1):
        for conv in (1, 2):
            tag = f"block{block}_conv{conv}"
            x = layers.Conv2D(width, 3, padding="same", use_bias=not bn_before_relu,
                              name=tag)(x)
            x = relu_and_bn(x, tag)
        x = layers.MaxPooling2D(2, name=f"block{block}_pool")(x)
        x = layers.Dropout(0.25, name=f"block{block}_dropout")(x)
    if head == "flatten":
        x = layers.Flatten(name="flatten")(x)
    elif head == "gap":
        x = layers.GlobalAveragePooling2D(name="global_pool")(x)
    else:
        raise ValueError(f"head={head!r}: use 'flatten' (the tutorial's) or 'gap'")
    x = layers.Dense(dense, use_bias=not bn_before_relu, name="fc")(x)
    x = relu_and_bn(x, "fc")
    x = layers.Dropout(0.5, name="fc_dropout")(x)
    outputs = layers.Dense(classes, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, outputs, name=name)
