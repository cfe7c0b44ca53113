"""The actions an agent runs: one :class:`~commcentre_tui.actions.spec.ActionSpec` per action,
in modules by group, listed once in :data:`commcentre_tui.actions.registry.ACTIONS`.

No Textual here: the Action Panel, the palette, the form screen, config and role validation all
read these declarations.
"""
