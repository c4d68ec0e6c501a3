"""dlkit: the helper package of a hands-on Keras/TensorFlow deep-learning course.

The labs in ``labs/`` keep the model code a student reads and changes; dlkit holds the
plumbing: datasets (``dlkit.datasets``), run profiles (``dlkit.profiles``), plots, evaluation and
the ``dlkit`` command line.
"""

__version__ = "0.1.0"
