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


def flowers_augmentation():
    """The augmentation layers of 05_flowers17_csv_generator's recipe, fresh at each call
    (built in plain sight there; reused in 06_data_augmentation).

    Horizontal flips, rotations up to ±29° (factor 0.08), zoom from −20% to +10%, shifts up
    to 10%, borders filled by reflection, contrast ±20%, brightness ±15% of [0, 1] pixels.
    """
    import keras

    return [
        keras.layers.RandomFlip("horizontal", name="flip"),
        keras.layers.RandomRotation(0.08, fill_mode="reflect", name="rotate"),
        keras.layers.RandomZoom((-0.2, 0.1), fill_mode="reflect", name="zoom"),
        keras.layers.RandomTranslation(0.1, 0.1, fill_mode="reflect", name="shift"),
        keras.layers.RandomContrast(0.2, name="contrast"),
        keras.layers.RandomBrightness(0.15, value_range=(0.0, 1.0), name="brightness"),
    ]


def compile_flowers_recipe(model, n_rows, epochs, batch_size=32):
    """Compile ``model`` with 05_flowers17_csv_generator's optimizer, schedule and loss
    (built in plain sight there as ``compile_recipe``; reused in 06_data_augmentation).

    SGD with Nesterov momentum 0.9; the learning rate warms up linearly from 0 to 0.02
    over ``max(1, min(3, epochs // 5))`` epochs, then follows a cosine down to 0 by the
    last step; decoupled weight decay 0.005, not on biases or batch-normalization scales
    and offsets; cross-entropy on one-hot labels with label smoothing 0.1; accuracy.
    An epoch is ``ceil(n_rows / batch_size)`` steps. Returns
    ``(steps_per_epoch, warmup_epochs, schedule)``.
    """
    import math

    import keras

    steps = math.ceil(n_rows / batch_size)
    warmup = max(1, min(3, epochs // 5))
    schedule = keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=0.0, warmup_target=0.02, warmup_steps=steps * warmup,
        decay_steps=steps * (epochs - warmup))
    optimizer = keras.optimizers.SGD(learning_rate=schedule, momentum=0.9, nesterov=True,
                                     weight_decay=5e-3)
    optimizer.exclude_from_weight_decay(var_names=["bias", "gamma", "beta"])
    model.compile(optimizer=optimizer,
                  loss=keras.losses.CategoricalCrossentropy(label_smoothing=0.1),
                  metrics=["accuracy"])
    return steps, warmup, schedule
