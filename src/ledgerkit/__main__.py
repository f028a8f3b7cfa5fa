from ledgerkit.cli import main

main()
