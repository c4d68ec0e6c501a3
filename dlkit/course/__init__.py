"""What belongs to this course rather than to deep learning in general.

- ``profiles``: the quick/full switch every lab reads;
- ``check``: the checkers of the labs' "Your turn" exercises;
- ``deck_examples`` and ``convolution``: the lecture decks' worked numbers and their arithmetic;
- ``ponies``: the generated six-class pony pictures of lab 03 and 04;
- ``results``: training histories kept so a later lab can compare with an earlier one;
- ``headlines``: the result lines labs print and the demo and benchmarks read back;
- ``lab_facts``: what each lab declares in its notebook's metadata (what it saves and loads, the
  extras and data it needs, its lesson), read by the demo, the doctor, the benchmarks and tests.

Modules here may import ``dlkit.data`` and ``dlkit.errors``, never the lab-facing modules or
``dlkit.instructor``.
"""

__all__ = ["check", "convolution", "deck_examples", "headlines", "lab_facts", "ponies", "profiles", "results"]
