"""The slow tier, in one table: tests that train real networks, start many processes, drive a browser
or a Dask cluster, or run the app for long. `pytest -m "not slow"` leaves them out: the fast tier a
developer runs while working. Plain `pytest` (CI, the README's command) runs everything.

One table rather than a mark in each file, so the tier can be read and changed in one place.
conftest.py marks what is listed here and stops the run when a name matches no test, so a renamed
or removed test cannot slip out of the tier unnoticed. A file listed with None is slow as a whole.
Chosen by measurement: every test that took a second or more in a whole run (`pytest --durations=0`)
on a busy 2-core machine, and the browser, cluster and fine-tuning files whole.
"""

from __future__ import annotations

SLOW: dict[str, set[str] | None] = {
    "test_adapt.py": {
        "test_a_gate_never_adopts_a_model_that_reads_the_held_out_drawings_worse",
        "test_a_hand_the_model_misreads_is_learnt_and_shown_on_drawings_it_did_not_learn_from",
        "test_evaluate_adapt_prints_every_writer_and_the_pooled_figures",
        "test_only_the_output_layer_moves_and_the_pull_keeps_it_near",
        "test_replay_keeps_not_a_digit_working",
    },
    "test_app.py": {
        "test_main_rejects_bad_arguments",
        "test_main_rejects_bad_weights_with_one_line",
        "test_main_starts_and_draws_a_frame",
        "test_percentages_always_sum_to_100",
        "test_the_help_card_fits_every_window_with_every_row",
    },
    "test_app_answers.py": {
        "test_the_three_answers_are_told_apart_by_shape_not_colour",
    },
    "test_app_class.py": {
        "test_adapting_to_the_class_holds_out_students_and_rereads_the_wall",
        "test_nothing_in_the_class_view_is_cut_or_overlaps_at_any_allowed_size",
        "test_the_app_killed_mid_round_loses_no_acknowledged_drawing",
    },
    "test_app_faults.py": {
        "test_a_fault_in_one_frame_is_logged_and_the_drawing_kept",
        "test_an_idle_app_draws_no_frames",
        "test_no_display_is_one_line_and_exit_2",
    },
    "test_app_fits.py": {
        "test_classroom_type_and_pictures_are_big_enough_for_the_back_row",
        "test_nothing_in_the_learn_view_is_cut_or_overlaps_at_any_allowed_size",
        "test_nothing_in_the_plain_view_is_cut_or_overlaps_at_any_allowed_size",
    },
    "test_app_inside.py": {
        "test_clicks_in_the_grid_and_the_gallery_pick_units",
        "test_nothing_in_the_inside_view_is_cut_or_overlaps_at_small_windows",
        "test_view_flag_from_the_command_line",
    },
    "test_app_learn.py": {
        "test_train_use_and_return_to_the_bundled_model",
    },
    "test_app_state.py": None,  # long random app sessions
    "test_augment.py": None,  # whole augmented epochs
    "test_bundled.py": {
        "test_bundled_model_answers_not_a_digit_to_drawings_that_are_none",
        "test_bundled_model_reads_held_out_unipen_writers_through_the_app_path",
        "test_bundled_model_scores_at_least_99_percent_on_mnist_test",
    },
    "test_class_browser.py": None,  # a real browser
    "test_class_server.py": {
        "test_fuzzed_requests_never_break_the_server_or_the_data_set",
    },
    "test_classroom.py": {
        "TestClassMachine::runTest",
        "test_parse_strokes_accepts_only_what_it_can_read",
    },
    "test_cluster.py": None,  # a real Dask cluster
    "test_coverage.py": {
        "test_fine_tuning_an_eleven_output_network_keeps_its_extra_output",
        "test_train_makes_an_eleven_output_network_with_its_answer_thresholds",
    },
    "test_evaluate.py": {
        "test_bad_input_gives_one_line_and_exit_2",
        "test_mnist_mode_has_the_same_last_line",
        "test_non_digits_alone_need_no_stroke_file",
        "test_reading_in_worker_processes_equals_reading_in_order",
        "test_real_pen_digits_with_the_bundled_model_give_every_section",
        "test_report_ends_with_the_accuracy_line_and_writes_a_sheet",
    },
    "test_finetune.py": None,  # a real fine-tuning of the bundled model
    "test_inside_view.py": {
        "test_draws_every_scene_and_the_empty_canvas_at_every_size",
        "test_preview_writes_pngs",
    },
    "test_io_faults.py": {
        "test_read_only_folder_is_refused_before_training",
        "test_unreadable_weights_say_permission_denied",
    },
    "test_jobs.py": {
        "test_a_download_job_on_a_machine_that_has_mnist_reports_where_it_is",
        "test_adapting_to_a_class_reports_held_out_accuracy_before_and_after",
        "test_an_app_that_cancelled_a_job_exits_without_a_warning",
        "test_cancel_stops_at_once_and_leaves_no_process",
        "test_no_mnist_is_reported_as_its_own_event",
        "test_the_child_exits_when_the_app_dies",
        "test_the_child_yields_to_the_app_and_can_be_cancelled_while_it_starts",
        "test_training_from_scratch_reports_progress_and_writes_weights_the_app_can_read",
    },
    "test_learn_adapt.py": {
        "test_a_class_the_model_already_reads_hears_adapting_would_not_help_and_keeps_the_model",
        "test_a_class_the_model_misreads_gets_an_adapted_model_measured_on_drawings_it_did_not_learn_from",
    },
    "test_learn_view.py": {
        "test_a_failed_download_is_shown_whole_wrapped_with_what_to_do",
        "test_adapting_shows_how_many_held_out_drawings_it_reads_before_and_after_with_a_legend",
        "test_cancel_at_any_time_leaves_no_process",
        "test_the_download_shows_its_progress_then_offers_training",
        "test_the_time_estimate_is_measured_on_this_computer_now_and_says_estimating_until_then",
        "test_train_watch_use_return_and_save",
        "test_without_mnist_it_offers_the_download_and_a_failure_is_one_line",
    },
    "test_letters.py": {
        "test_evaluate_reports_letters_per_character_on_the_test_writers",
        "test_real_letters_split_by_person_as_the_digits_are",
        "test_the_learn_view_finds_the_letters_where_train_py_would_and_says_what_it_used",
        "test_train_says_plainly_when_no_letters_were_given",
        "test_train_uses_training_writers_letters_and_chooses_on_validation_writers",
    },
    "test_mlp.py": {
        "test_predict_proba_is_a_distribution_and_applies_softmax_once",
    },
    "test_nothing_thrown.py": {
        "test_a_401_digit_integer_is_one_line_for_training_and_scoring",
        "test_a_fifo_a_device_and_a_gzip_bomb_are_one_line_quickly",
        "test_a_symlink_loop_is_called_a_loop_not_missing",
        "test_absurd_but_finite_weights_are_refused_by_every_entry",
        "test_an_interrupt_just_after_the_rename_says_the_model_was_written",
        "test_coordinates_near_the_float32_limit_are_replayed",
        "test_ctrl_c_during_evaluation_is_one_line_and_leaves_no_worker",
        "test_ctrl_c_while_loading_is_one_line",
        "test_fonts_stay_bounded_through_hundreds_of_window_sizes",
        "test_killing_evaluate_ends_its_workers",
        "test_metadata_of_any_shape_is_one_line",
        "test_the_app_shows_paths_it_cannot_encode",
        "test_the_app_starts_and_saves_nothing_when_its_strokes_file_is_a_fifo",
        "test_the_learn_view_keeps_each_accounts_models_apart_and_checks_first",
        "test_weights_in_a_folder_that_cannot_be_entered_say_permission_denied",
    },
    "test_preprocess.py": {
        "test_any_raster_gives_a_finite_input_or_a_value_error",
        "test_any_strokes_give_a_finite_input_or_a_value_error",
    },
    "test_readme.py": {
        "test_a_bare_python_without_the_venv_fails_as_the_readme_says",
    },
    "test_report.py": {
        "test_the_quick_report_end_to_end_on_fake_mnist",
    },
    "test_research.py": {
        "test_a_tiny_width_sweep_writes_csv_and_plot_and_resumes_from_its_cache",
        "test_bad_arguments_and_unwritable_output_fail_in_one_line_before_any_training",
        "test_without_matplotlib_the_csv_is_still_written_and_the_fix_is_named",
    },
    "test_research_faults.py": None,  # real sweeps, full disks
    "test_shared_folder.py": {
        "test_an_append_on_a_full_disk_leaves_the_file_as_it_was",
        "test_two_app_instances_sharing_a_folder_lose_nothing",
    },
    "test_strokes.py": {
        "test_real_unipen_release_matches_the_jsonl",
        "test_writer_split_is_stable_across_processes",
    },
    "test_train.py": None,  # real train.py runs
    "test_train_cli.py": {
        "test_help_shows_every_recipe_field_with_its_default",
    },
    "test_trainer.py": {
        "test_threaded_augmentation_gives_the_chunks_of_the_plain_sequential_loop",
        "test_train_py_exits_nonzero_and_writes_nothing_when_training_diverges",
    },
    "test_view_state.py": {
        "test_the_states_and_the_contract_import_without_pygame",
    },
}
