"""``python -m gmm_anim`` runs the command line."""

from .cli import main

main()
