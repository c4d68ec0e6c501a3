"""Small datasets that ship inside dlkit so the labs run with no download (see MNIST-LICENSE.txt)."""
