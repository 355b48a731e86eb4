"""The ways of training, as a table: each Recipe says everything one way of training decides.

README.md ("Two recipes") explains each choice and how the improved one was chosen without the
test split. No TensorFlow here, so that --help can show each recipe's defaults at once.
"""

from dataclasses import dataclass
from typing import Optional

# Training steps per call into TensorFlow (Keras' default is 1): fewer round trips through
# Python. A small gain on this CPU; reading the images once is the big one (README, Performance).
STEPS_PER_EXECUTION = 25


@dataclass(frozen=True)
class Distortion:
    """Random distortions of training digits, drawn afresh for every batch."""
    rotation_degrees: float   # turned by up to this much either way
    shift_pixels: float       # moved by up to this much in x and y
    zoom: float               # scaled by up to this fraction
    elastic_alpha: float      # elastic displacement strength (Simard et al. 2003), pixels
    elastic_sigma: float      # smoothness of the displacement field (Gaussian sigma), pixels
    # What pens, scanners and the reader's own scaling do to strokes, which MNIST's one pen lacks:
    shear: float = 0          # slanted by up to this much either way (x moves by shear * y)
    stroke: float = 0         # thickened or thinned by up to this share of a 3x3 dilation/erosion
    blur_sigma: float = 0     # softened by up to a Gaussian of this sigma, pixels
    faint: float = 0          # the ink's darkness scaled down by up to this share
    # How many writers (and most type) make them, which few of MNIST's writers did:
    styles: float = 0         # this share of 1s get a flag, a foot or both, and of 7s a bar


@dataclass(frozen=True)
class Recipe:
    """Everything one way of training decides."""
    network: str                  # a name in networks.NETWORKS
    epochs: int
    batch_size: int
    learning_rate: float          # Adam's; the peak of the schedule when warm_up_epochs > 0
    warm_up_epochs: int           # 0: a constant rate; else a linear warm-up, then cosine decay to 0
    distortion: Optional[Distortion]
    validation_share: float       # 0: watch the test split (the original); else hold out this share
    calibrate: bool               # choose a temperature for the probabilities on the validation split


RECIPES = {
    "original": Recipe(network="original", epochs=20, batch_size=32, learning_rate=0.001,
                       warm_up_epochs=0, distortion=None, validation_share=0, calibrate=False),
    "improved": Recipe(network="compact", epochs=90, batch_size=128, learning_rate=0.003,
                       warm_up_epochs=1,
                       distortion=Distortion(rotation_degrees=10, shift_pixels=2, zoom=0.1,
                                             elastic_alpha=20, elastic_sigma=4, styles=0.5),
                       validation_share=0.1, calibrate=True),
}


def steps_per_epoch(images, batch_size):
    """Training steps in one pass over `images` images, the last batch possibly short."""
    return -(-images // batch_size)


def steps_per_call(steps):
    """Training steps per call into TensorFlow: at least STEPS_PER_EXECUTION (or the whole epoch
    of `steps`), and a divisor of it, so that no call runs past the end of an epoch."""
    return min(divisor for divisor in range(min(STEPS_PER_EXECUTION, steps), steps + 1)
               if steps % divisor == 0)
